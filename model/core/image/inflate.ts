/**
 * A bounded inflater (RFC 1950 zlib / RFC 1951 deflate) for PNG image data and TIFF Deflate strips.
 * It writes into a buffer of the size the image header declares and never grows it: output past
 * the end is only counted, and decoding stops `extra` bytes later, so a stream that would inflate to
 * a gigabyte costs as much as the declared image plus `extra`. Table building is charged to a budget
 * proportional to the declared output as well, so a stream of many tiny dynamic blocks cannot make
 * up for it. Checked against fflate and the platform's zlib in `inflate_test.ts`.
 *
 * @module
 */
import { countWork } from "./work.ts";

/** Why {@link inflate} stopped. */
export type InflateStop =
  /** the final block ended */
  | "end"
  /** the data ran out before the final block ended (truncated stream) */
  | "input"
  /** `out.length + extra` bytes were produced and the stream went on */
  | "limit";

/** What {@link inflate} did. */
export interface InflateResult {
  /** Bytes produced: those written into `out` (at most its length) plus those only counted past it. */
  produced: number;
  stop: InflateStop;
}

/** Invalid compressed data (`kind: "data"`), or table building over its budget (`kind: "work"`). */
export class InflateError extends Error {
  override name = "InflateError";
  /**
   * @param lookahead bits looked at but not consumed when the error was found (a failed code
   * lookup): if they reach past the end of the data, the stream was cut, not corrupt.
   */
  constructor(readonly kind: "data" | "work", message: string, readonly lookahead = 0) {
    super(message);
  }
}

/**
 * How many bytes past the declared size {@link inflate} keeps counting (to tell trailing junk from
 * a bomb): an eighth of the declared size plus 1 KiB.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(inflateSlack(8192), 2048);
 * ```
 */
export function inflateSlack(declared: number): number {
  return 1024 + Math.floor(declared / 8);
}

/** Fast-table width: codes up to this many bits decode with one lookup, longer ones bit by bit. */
const ROOT = 10;
const ROOT_SIZE = 1 << ROOT;
/** Work units charged per block header and per table entry built (the budget is in the same units). */
const BLOCK_COST = 16;
/** Budget: a fixed allowance plus this many units per byte the caller is willing to receive. */
const BUDGET_BASE = 1 << 20;
const BUDGET_PER_BYTE = 16;

/** Work units left for block headers and table building, shared by several {@link inflate} calls. */
export interface InflateBudget {
  left: number;
}

/**
 * A budget for inflating `bytes` in all (e.g. every strip of one TIFF): the allowance one call
 * would get for that many bytes, to share instead of granting each call its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(inflateBudget(0).left, 1 << 20);
 * ```
 */
export function inflateBudget(bytes: number): InflateBudget {
  return { left: BUDGET_BASE + BUDGET_PER_BYTE * bytes };
}

// Length and distance codes (RFC 1951 §3.2.5): extra bits, and bases that grow by 2^extra.
const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const bases = (first: number, ext: number[]) =>
  ext.map((_, i) => first + ext.slice(0, i).reduce((n, e) => n + (1 << e), 0));
const LBASE = bases(3, LEXT);
LBASE[28] = 258; // code 285: 258, not 259
const DBASE = bases(1, DEXT);
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: a fast table for codes ≤ ROOT bits, counts and sorted symbols for the rest. */
interface Huffman {
  /** Indexed by the next ROOT input bits (LSB first): `symbol << 4 | length`, 0 for longer codes. */
  fast: Int32Array;
  /** Codes per length 0..15. */
  count: Uint16Array;
  /** Symbols in canonical order. */
  symbols: Uint16Array;
}

function newHuffman(): Huffman {
  return { fast: new Int32Array(ROOT_SIZE), count: new Uint16Array(16), symbols: new Uint16Array(320) };
}

/** Fills `h` from code lengths `lengths[0..n)`; returns the table-building work done. */
function build(h: Huffman, lengths: Uint8Array, n: number): number {
  const { fast, count, symbols } = h;
  count.fill(0);
  for (let s = 0; s < n; s++) count[lengths[s]]++;
  count[0] = 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = (left << 1) - count[len];
    if (left < 0) throw new InflateError("data", "over-subscribed Huffman code");
  }
  const offs = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
  for (let s = 0; s < n; s++) if (lengths[s]) symbols[offs[lengths[s]]++] = s;
  // canonical codes, then the fast table (codes are sent MSB first, the bit reader is LSB first)
  fast.fill(0);
  let code = 0, k = 0, work = ROOT_SIZE >> 4;
  for (let len = 1; len <= ROOT; len++) {
    for (let i = 0; i < count[len]; i++, code++, k++) {
      let rev = 0;
      for (let b = 0; b < len; b++) rev |= ((code >>> b) & 1) << (len - 1 - b);
      const entry = (symbols[k] << 4) | len;
      for (let x = rev; x < ROOT_SIZE; x += 1 << len) fast[x] = entry;
      work += ROOT_SIZE >> len;
    }
    code <<= 1;
  }
  return work + n;
}

let fixedLit: Huffman | undefined, fixedDist: Huffman | undefined;
// Tables for dynamic blocks, shared by all calls (inflating is synchronous and not re-entered).
const dynLit = newHuffman(), dynDist = newHuffman(), dynLengths = new Uint8Array(320);

/**
 * Inflates `src` into `out`. Output past `out.length` is counted, not stored; decoding stops
 * (`stop: "limit"`) rather than produce more than `out.length + extra` bytes. With `zlib`, `src` starts with a
 * zlib header (checked) and the Adler-32 trailer is not verified. Throws {@link InflateError} on
 * invalid data or when block headers and table building exceed their budget (many tiny dynamic
 * blocks): by default {@link inflateBudget} of `out.length + extra`, or `budget`, shared with other
 * calls and charged in place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compress } from "imagescript/png/src/zlib.mjs";
 * const data = new TextEncoder().encode("hello hello hello hello");
 * const z = compress(data, 6) as Uint8Array;
 * const out = new Uint8Array(data.length);
 * assert.deepEqual(inflate(z, out, { zlib: true }), { produced: data.length, stop: "end" });
 * assert.deepEqual(out, data);
 * // a stream longer than the buffer stops `extra` bytes past its end
 * const short = new Uint8Array(5);
 * assert.deepEqual(inflate(z, short, { zlib: true, extra: 3 }), { produced: 8, stop: "limit" });
 * assert.deepEqual(short, data.subarray(0, 5));
 * ```
 */
export function inflate(
  src: Uint8Array,
  out: Uint8Array,
  opts: { zlib?: boolean; extra?: number; budget?: InflateBudget } = {},
): InflateResult {
  const outLen = out.length;
  const limit = outLen + Math.max(0, opts.extra ?? 0);
  const shared = opts.budget ?? inflateBudget(limit);
  let budget = shared.left;
  const end = src.length;
  let ip = 0;
  if (opts.zlib) {
    if (end < 2) return { produced: 0, stop: "input" };
    const cmf = src[0], flg = src[1];
    if ((cmf & 15) !== 8 || cmf >>> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) {
      throw new InflateError("data", "invalid zlib header");
    }
    if (flg & 32) throw new InflateError("data", "zlib preset dictionaries are not allowed");
    ip = 2;
  }
  let hold = 0, bits = 0, pos = 0;
  const lit = dynLit, dist = dynDist, lengths = dynLengths;
  let stop: InflateStop = "end";

  try {
    outer:
    for (let final = 0; !final;) {
      while (bits < 25) hold |= (ip < end ? src[ip] : 0) << bits, ip++, bits += 8;
      final = hold & 1;
      const type = (hold >>> 1) & 3;
      hold >>>= 3, bits -= 3;
      if (ip > end && (ip - end) * 8 > bits) {
        stop = "input";
        break;
      }
      budget -= BLOCK_COST;
      if (budget < 0) throw new InflateError("work", "too many deflate blocks for the declared size");

      if (type === 0) {
        // stored: to a byte boundary, LEN, NLEN, raw bytes
        hold >>>= bits & 7, bits -= bits & 7;
        ip -= bits >>> 3, hold = 0, bits = 0;
        if (ip + 4 > end) {
          stop = "input";
          break;
        }
        const len = src[ip] | (src[ip + 1] << 8);
        if (len !== (~(src[ip + 2] | (src[ip + 3] << 8)) & 0xffff)) {
          throw new InflateError("data", "stored block length check failed");
        }
        ip += 4;
        const avail = Math.min(len, end - ip);
        if (pos < outLen) out.set(src.subarray(ip, ip + Math.min(avail, outLen - pos)), pos);
        if (pos + avail > limit) {
          pos = limit, stop = "limit";
          break;
        }
        pos += avail, ip += avail;
        if (avail < len) {
          stop = "input";
          break;
        }
        continue;
      }

      let lt: Huffman, dt: Huffman;
      if (type === 1) {
        if (!fixedLit || !fixedDist) {
          const l = new Uint8Array(320);
          l.fill(8, 0, 144), l.fill(9, 144, 256), l.fill(7, 256, 280), l.fill(8, 280, 288);
          fixedLit = newHuffman(), build(fixedLit, l, 288);
          fixedDist = newHuffman(), build(fixedDist, new Uint8Array(32).fill(5), 32);
        }
        lt = fixedLit, dt = fixedDist;
      } else if (type === 2) {
        while (bits < 25) hold |= (ip < end ? src[ip] : 0) << bits, ip++, bits += 8;
        const nlen = (hold & 31) + 257, ndist = ((hold >>> 5) & 31) + 1, ncode = ((hold >>> 10) & 15) + 4;
        hold >>>= 14, bits -= 14;
        if (nlen > 286 || ndist > 30) throw new InflateError("data", "too many length or distance codes");
        lengths.fill(0, 0, 19);
        for (let i = 0; i < ncode; i++) {
          if (bits < 3) hold |= (ip < end ? src[ip] : 0) << bits, ip++, bits += 8;
          lengths[CL_ORDER[i]] = hold & 7, hold >>>= 3, bits -= 3;
        }
        budget -= build(lit, lengths, 19);
        // code lengths of the literal/length and distance codes
        const n = nlen + ndist;
        for (let i = 0; i < n;) {
          while (bits < 25) hold |= (ip < end ? src[ip] : 0) << bits, ip++, bits += 8;
          const e = lit.fast[hold & (ROOT_SIZE - 1)];
          if (!e) throw new InflateError("data", "invalid code-length code", 7);
          hold >>>= e & 15, bits -= e & 15;
          const sym = e >>> 4;
          if (sym < 16) {
            lengths[i++] = sym;
            continue;
          }
          let rep: number, val = 0;
          if (sym === 16) {
            if (i === 0) throw new InflateError("data", "length repeat with no previous length");
            val = lengths[i - 1], rep = 3 + (hold & 3), hold >>>= 2, bits -= 2;
          } else if (sym === 17) rep = 3 + (hold & 7), hold >>>= 3, bits -= 3;
          else rep = 11 + (hold & 127), hold >>>= 7, bits -= 7;
          if (i + rep > n) throw new InflateError("data", "code lengths overflow");
          lengths.fill(val, i, i + rep), i += rep;
        }
        if (ip > end && (ip - end) * 8 > bits) {
          stop = "input";
          break;
        }
        if (lengths[256] === 0) throw new InflateError("data", "no end-of-block code");
        const distLengths = lengths.slice(nlen, n);
        budget -= build(lit, lengths, nlen);
        budget -= build(dist, distLengths, ndist);
        if (budget < 0) throw new InflateError("work", "deflate tables cost more than the declared size allows");
        lt = lit, dt = dist;
      } else {
        throw new InflateError("data", "invalid block type 3");
      }

      const lfast = lt.fast, dfast = dt.fast;
      for (;;) {
        if (bits < 15) {
          while (bits < 25) hold |= (ip < end ? src[ip] : 0) << bits, ip++, bits += 8;
        }
        let e = lfast[hold & (ROOT_SIZE - 1)];
        let sym: number;
        if (!e) e = slow(lt, hold);
        sym = e >>> 4, hold >>>= e & 15, bits -= e & 15;
        if (sym < 256) {
          if (ip > end && (ip - end) * 8 > bits) {
            stop = "input";
            break outer;
          }
          if (pos >= limit) {
            stop = "limit";
            break outer;
          }
          if (pos < outLen) out[pos] = sym;
          pos++;
          continue;
        }
        if (sym === 256) {
          if (ip > end && (ip - end) * 8 > bits) {
            stop = "input";
            break outer;
          }
          break;
        }
        sym -= 257;
        if (sym >= 29) throw new InflateError("data", "invalid length code");
        let len = LBASE[sym];
        while (bits < 25) hold |= (ip < end ? src[ip] : 0) << bits, ip++, bits += 8;
        if (LEXT[sym]) len += hold & ((1 << LEXT[sym]) - 1), hold >>>= LEXT[sym], bits -= LEXT[sym];
        e = dfast[hold & (ROOT_SIZE - 1)];
        let dsym: number;
        if (!e) e = slow(dt, hold);
        dsym = e >>> 4, hold >>>= e & 15, bits -= e & 15;
        if (dsym >= 30) throw new InflateError("data", "invalid distance code");
        while (bits < 25) hold |= (ip < end ? src[ip] : 0) << bits, ip++, bits += 8;
        let d = DBASE[dsym];
        if (DEXT[dsym]) d += hold & ((1 << DEXT[dsym]) - 1), hold >>>= DEXT[dsym], bits -= DEXT[dsym];
        if (ip > end && (ip - end) * 8 > bits) {
          stop = "input";
          break outer;
        }
        if (d > pos) throw new InflateError("data", "distance too far back");
        if (pos + len <= outLen) {
          if (d === 1) out.fill(out[pos - 1], pos, pos + len), pos += len;
          else if (d >= len && len > 32) out.copyWithin(pos, pos - d, pos - d + len), pos += len;
          else for (let from = pos - d, stopAt = pos + len; pos < stopAt;) out[pos++] = out[from++];
        } else {
          // crosses the end of the buffer: store what fits, count the rest
          const target = pos + len;
          for (let from = pos - d; pos < outLen;) out[pos++] = out[from++];
          if (target > limit) {
            pos = limit, stop = "limit";
            break outer;
          }
          pos = target;
        }
      }
    }
  } catch (e) {
    shared.left = budget;
    // past the end of the data the reader feeds zeros, which may not decode: that is truncation
    if (!(e instanceof InflateError && e.kind === "data" && ip > end && (ip - end) * 8 > bits - e.lookahead)) throw e;
    stop = "input";
  }
  shared.left = budget;
  countWork("inflated", pos);
  return { produced: pos, stop };
}

/**
 * Decodes a code longer than ROOT bits from the next 15 bits of `hold`, one bit at a time (puff's
 * canonical decoding); returns `symbol << 4 | length` like a fast-table entry.
 */
function slow(h: Huffman, hold: number): number {
  let code = 0, first = 0, index = 0;
  for (let len = 1; len < 16; len++) {
    code |= (hold >>> (len - 1)) & 1;
    const count = h.count[len];
    if (code - count < first) return (h.symbols[index + (code - first)] << 4) | len;
    index += count, first += count, first <<= 1, code <<= 1;
  }
  throw new InflateError("data", "invalid Huffman code", 15);
}
