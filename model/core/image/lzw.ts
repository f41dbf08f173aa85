/**
 * TIFF LZW decoder (MSB-first codes of 9–12 bits, Clear 256, EOI 257, "early change"). Every table
 * entry points only to an older entry, so decoding always ends (utif2's decoder, used before, looped
 * forever on some corrupt inputs), and output is bounded: past the end of the target it is only
 * counted, and decoding stops `extra` bytes later, so a code chain repeated thousands of times costs
 * no more than the strip it claims to be.
 *
 * @module
 */
import { corrupt } from "./errors.ts";
import type { InflateResult } from "./inflate.ts";
import { countWork } from "./work.ts";

const CLEAR = 256;
const EOI = 257;

// The string table, shared by all calls (decoding is synchronous): entries 0–255 never change, and
// every entry from 258 on is written before it is read.
const prefix = new Int16Array(4096);
const suffix = new Uint8Array(4096);
const first = new Uint8Array(4096);
const length = new Uint16Array(4096);
for (let i = 0; i < 256; i++) prefix[i] = -1, suffix[i] = i, first[i] = i, length[i] = 1;

/**
 * Decodes the LZW data `src` into `out`. Bytes past `out.length` are counted, not stored; decoding
 * stops (`stop: "limit"`) rather than produce more than `out.length + extra` bytes. Data that ends
 * without an EOI code stops at `"input"` (common in TIFF files, and not an error by itself). Throws
 * `corrupt_image` on an impossible code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // codes (9 bit): Clear, 'A', 'B', 258 ("AB"), EOI
 * const out = new Uint8Array(4);
 * const r = decodeTiffLzw(new Uint8Array([0x80, 0x10, 0x48, 0x50, 0x28, 0x08]), out);
 * assert.deepEqual(r, { produced: 4, stop: "end" });
 * assert.equal(new TextDecoder().decode(out), "ABAB");
 * // the same data into a 2-byte buffer with no allowance: refused after "AB"
 * assert.deepEqual(decodeTiffLzw(new Uint8Array([0x80, 0x10, 0x48, 0x50, 0x28, 0x08]), new Uint8Array(2)), {
 *   produced: 2,
 *   stop: "limit",
 * });
 * ```
 */
export function decodeTiffLzw(src: Uint8Array, out: Uint8Array, opts: { extra?: number } = {}): InflateResult {
  const outLen = out.length;
  const limit = outLen + Math.max(0, opts.extra ?? 0);
  let next = 258, width = 9, prev = -1, pos = 0, bit = 0;
  const endBit = src.length * 8;
  let stop: InflateResult["stop"] = "input";

  while (bit + width <= endBit) {
    const s = bit >>> 3;
    const word = (src[s] << 16) | ((src[s + 1] ?? 0) << 8) | (src[s + 2] ?? 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === EOI) {
      stop = "end";
      break;
    }
    if (code === CLEAR) {
      next = 258, width = 9, prev = -1;
      continue;
    }
    if (prev < 0) {
      if (code > 255) corrupt(`tiff: LZW data starts with code ${code}; the file is damaged`);
    } else if (code < next) {
      add(prev, first[code]);
    } else if (code === next) {
      add(prev, first[prev]);
    } else {
      corrupt(`tiff: LZW code ${code} is not in the table (${next} entries); the file is damaged`);
    }
    // emit the string of `code`, last byte first (it is a chain of prefixes)
    const n = length[code];
    if (pos + n > limit) {
      stop = "limit";
      break;
    }
    if (pos < outLen) {
      let p = pos + n - 1;
      if (p < outLen) { for (let c = code; c >= 0; c = prefix[c], p--) out[p] = suffix[c]; }
      else for (let c = code; c >= 0; c = prefix[c], p--) if (p < outLen) out[p] = suffix[c];
    }
    pos += n;
    prev = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  if (stop === "limit") pos = limit;
  countWork("lzw", pos);
  return { produced: pos, stop };

  function add(pre: number, byte: number): void {
    if (next >= 4096) return; // table full: the encoder should have sent Clear; keep decoding
    prefix[next] = pre;
    suffix[next] = byte;
    first[next] = first[pre];
    length[next] = length[pre] + 1;
    next++;
  }
}
