/**
 * Small hostile images, built in memory for the decoder tests and the measurements in
 * docs/PERFORMANCE.md: files of a few bytes to a few hundred kilobytes whose headers or
 * compressed streams ask a decoder for far more work than their pixels justify (issue 18's table).
 * Every generator is deterministic; none reads a file.
 *
 * @module
 */
import { concat, pngChunk } from "./image_fixtures.ts";

// ---- bits -------------------------------------------------------------------------------------

/** Writes bits LSB-first (deflate's order). */
class LsbWriter {
  #bytes: number[] = [];
  #acc = 0;
  #n = 0;
  /** Writes the low `n` bits of `v`, least significant first. */
  bits(v: number, n: number): void {
    for (let i = 0; i < n; i++) {
      this.#acc |= ((v >>> i) & 1) << this.#n++;
      if (this.#n === 8) this.#bytes.push(this.#acc), this.#acc = 0, this.#n = 0;
    }
  }
  /** Writes a Huffman code of `len` bits, most significant bit first (deflate's rule for codes). */
  code(c: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) this.bits((c >>> i) & 1, 1);
  }
  /** Appends whole bytes after padding to a byte boundary with zero bits. */
  bytes(data: Uint8Array): void {
    if (this.#n) this.#bytes.push(this.#acc), this.#acc = 0, this.#n = 0;
    this.#bytes.push(...data);
  }
  /** Pads to a byte boundary with zero bits and returns the bytes. */
  done(): Uint8Array {
    if (this.#n) this.#bytes.push(this.#acc);
    return new Uint8Array(this.#bytes);
  }
}

/** Writes bits MSB-first (LZW's and JPEG's order); pads the last byte with `pad` bits (JPEG: 1s). */
class MsbWriter {
  #bytes: number[] = [];
  #acc = 0;
  #n = 0;
  constructor(readonly pad: 0 | 1 = 1) {}
  bits(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((v >>> i) & 1);
      if (++this.#n === 8) this.#bytes.push(this.#acc), this.#acc = 0, this.#n = 0;
    }
  }
  done(): Uint8Array {
    if (this.#n) this.#bytes.push(((this.#acc << (8 - this.#n)) | (this.pad ? (1 << (8 - this.#n)) - 1 : 0)) & 0xff);
    return new Uint8Array(this.#bytes);
  }
}

// ---- deflate / zlib ---------------------------------------------------------------------------

/**
 * A raw deflate stream that inflates to `n` zero bytes at deflate's best ratio (~1032:1): one
 * dynamic block whose codes for "length 258" and "distance 1" are one bit each, so the body is
 * 2 bits per 258 bytes (a 64 MiB output takes 64 KiB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decompress } from "imagescript/png/src/zlib.mjs";
 * const z = zlibZeros(100_000);
 * assert.ok(z.length < 200);
 * assert.deepEqual(decompress(z, 100_000), new Uint8Array(100_000));
 * ```
 */
export function deflateZeros(n: number): Uint8Array {
  if (n < 1) throw new RangeError("deflateZeros: n must be at least 1");
  const w = new LsbWriter();
  w.bits(1, 1); // BFINAL
  w.bits(2, 2); // dynamic Huffman
  w.bits(286 - 257, 5); // HLIT: literal/length codes 0..285
  w.bits(0, 5); // HDIST: one distance code
  w.bits(18 - 4, 4); // HCLEN: code-length codes up to order position 17 (symbol 1)
  // code-length code: 18 → "0", 1 → "10", 2 → "11" (lengths 1, 2, 2); order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1
  const clLengths: Record<number, number> = { 18: 1, 1: 2, 2: 2 };
  for (const s of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]) w.bits(clLengths[s] ?? 0, 3);
  const cl = { 18: [0, 1], 1: [2, 2], 2: [3, 2] } as Record<number, [number, number]>;
  const zeros = (k: number) => {
    while (k > 0) {
      const r = Math.min(138, k);
      if (r < 11) throw new Error("unreachable: zero runs here are all ≥ 11");
      w.code(...cl[18]), w.bits(r - 11, 7);
      k -= r;
    }
  };
  // literal/length lengths: 0 → 2, 1..255 → 0, 256 → 2, 257..284 → 0, 285 → 1; distance 0 → 1
  w.code(...cl[2]), zeros(255), w.code(...cl[2]), zeros(28), w.code(...cl[1]), w.code(...cl[1]);
  // canonical codes: 285 → "0"; 0 → "10"; 256 → "11"; distance 0 → "0"
  w.code(2, 2); // literal 0
  let left = n - 1;
  while (left >= 258 + 3 || left === 258) w.code(0, 1), w.code(0, 1), left -= 258; // length 258, distance 1
  for (; left > 0; left--) w.code(2, 2); // the rest as literals
  w.code(3, 2); // end of block
  return w.done();
}

/**
 * A raw deflate stream of `count` non-final dynamic blocks that each hold only an end-of-block
 * code, then a final stored block holding `data`: about 12 bytes per empty block, each a pair of
 * Huffman tables to build for nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decompress } from "imagescript/png/src/zlib.mjs";
 * const d = deflateEmptyBlocks(100);
 * assert.ok(d.length < 1300);
 * const z = new Uint8Array([0x78, 0x01, ...d, 0, 0, 0, 1]);
 * assert.equal(decompress(z, 0).length, 0);
 * ```
 */
export function deflateEmptyBlocks(count: number, data: Uint8Array = new Uint8Array()): Uint8Array {
  const w = new LsbWriter();
  for (let b = 0; b < count; b++) {
    w.bits(0, 1); // not final
    w.bits(2, 2); // dynamic
    w.bits(0, 5); // HLIT: 257 literal/length codes
    w.bits(0, 5); // HDIST: 1 distance code
    w.bits(18 - 4, 4);
    // code-length code: 18 → "0", 0 → "10", 1 → "11"
    const clLengths: Record<number, number> = { 18: 1, 0: 2, 1: 2 };
    for (const s of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]) w.bits(clLengths[s] ?? 0, 3);
    // literal 0 → 1 bit, literals 1..255 → none, 256 → 1 bit; the one distance code unused (0)
    w.code(3, 2), w.code(0, 1), w.bits(138 - 11, 7), w.code(0, 1), w.bits(117 - 11, 7), w.code(3, 2), w.code(2, 2);
    w.code(1, 1); // end of block ("1": 0 → "0", 256 → "1")
  }
  w.bits(1, 1), w.bits(0, 2); // final stored block
  w.bytes(new Uint8Array([data.length & 255, data.length >> 8, ~data.length & 255, (~data.length >> 8) & 255]));
  w.bytes(data);
  return w.done();
}

/**
 * {@link deflateZeros} in a zlib wrapper (header 78 01, Adler-32 of `n` zeros).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(zlibZeros(10).subarray(0, 2)), [0x78, 0x01]);
 * ```
 */
export function zlibZeros(n: number): Uint8Array {
  const body = deflateZeros(n);
  const adler = ((n % 65521) * 65536 + 1) >>> 0; // a = 1 (zeros add nothing), b = n·1
  const out = new Uint8Array(body.length + 6);
  out.set([0x78, 0x01]);
  out.set(body, 2);
  new DataView(out.buffer).setUint32(out.length - 4, adler);
  return out;
}

// ---- PNG --------------------------------------------------------------------------------------

/**
 * A `width`×`height` 8-bit grey PNG whose IDAT inflates to `inflated` bytes (the header needs
 * only `height·(width + 1)`): issue 18's "PNG 64×64 whose IDAT inflates to 1 GB" at any size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const png = pngInflateBomb(64, 64, 16 << 20); // 16 MiB from 16 KiB
 * assert.ok(png.length < 20_000);
 * ```
 */
export function pngInflateBomb(width: number, height: number, inflated: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // depth
  ihdr[9] = 0; // grey
  return concat([
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlibZeros(inflated)),
    pngChunk("IEND", new Uint8Array()),
  ]);
}

// ---- TIFF -------------------------------------------------------------------------------------

/** One directory entry of {@link tiffFile}: SHORT (3) or LONG (4) values. */
export interface TiffEntry {
  tag: number;
  type: 3 | 4;
  values: number[];
}

/** TIFF tag numbers used here. */
export const TAG = {
  width: 256,
  height: 257,
  bits: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  samples: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planar: 284,
  predictor: 317,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
} as const;

/**
 * A little-endian TIFF: header, then `data`, then one directory holding `entries` (sorted by tag;
 * values that do not fit in an entry follow the directory). Values of StripOffsets and TileOffsets
 * are offsets into `data` and are shifted to file offsets here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = tiffFile([{ tag: TAG.width, type: 4, values: [1] }, { tag: TAG.height, type: 4, values: [1] }], new Uint8Array(1));
 * assert.deepEqual(Array.from(t.subarray(0, 4)), [0x49, 0x49, 42, 0]);
 * ```
 */
export function tiffFile(entries: TiffEntry[], data: Uint8Array): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const dataAt = 8;
  const ifdAt = dataAt + data.length + (data.length & 1);
  const ifdSize = 2 + sorted.length * 12 + 4;
  let extra = ifdAt + ifdSize;
  const outOfLine: [number, TiffEntry, number[]][] = [];
  for (const e of sorted) {
    const values = e.tag === TAG.stripOffsets || e.tag === TAG.tileOffsets ? e.values.map((x) => x + dataAt) : e.values;
    const size = values.length * (e.type === 3 ? 2 : 4);
    if (size > 4) outOfLine.push([extra, e, values]), extra += size + (size & 1);
    else outOfLine.push([-1, e, values]);
  }
  const out = new Uint8Array(extra);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, ifdAt, true);
  out.set(data, dataAt);
  v.setUint16(ifdAt, sorted.length, true);
  outOfLine.forEach(([at, e, values], i) => {
    const o = ifdAt + 2 + i * 12;
    v.setUint16(o, e.tag, true);
    v.setUint16(o + 2, e.type, true);
    v.setUint32(o + 4, values.length, true);
    const put = (p: number, x: number) => e.type === 3 ? v.setUint16(p, x, true) : v.setUint32(p, x, true);
    if (at < 0) values.forEach((x, k) => put(o + 8 + k * (e.type === 3 ? 2 : 4), x));
    else {
      v.setUint32(o + 8, at, true);
      values.forEach((x, k) => put(at + k * (e.type === 3 ? 2 : 4), x));
    }
  });
  return out;
}

/** Entries common to an 8-bit grey or RGB image (`spp` 1 or 3). */
function baseEntries(width: number, height: number, spp: 1 | 3, compression: number): TiffEntry[] {
  return [
    { tag: TAG.width, type: 4, values: [width] },
    { tag: TAG.height, type: 4, values: [height] },
    { tag: TAG.bits, type: 3, values: Array(spp).fill(8) },
    { tag: TAG.compression, type: 3, values: [compression] },
    { tag: TAG.photometric, type: 3, values: [spp === 3 ? 2 : 1] },
    { tag: TAG.samples, type: 3, values: [spp] },
    { tag: TAG.planar, type: 3, values: [1] },
  ];
}

/**
 * A tiled RGB TIFF whose tiles are `tile`×`tile` pixels but whose TileOffsets/TileByteCounts hold
 * `offsets` entries, all pointing at the same byte (issue 18: 2048², 1×1 tiles, one offset: 166 bytes
 * asking for 4,194,304 tile decodes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(tiffTinyTiles(2048, 2048, 1, 1).length < 200);
 * ```
 */
export function tiffTinyTiles(width: number, height: number, tile: number, offsets: number): Uint8Array {
  const lzw = lzwPack([256, 10, 20, 30, 257]);
  return tiffFile([
    ...baseEntries(width, height, 3, 5), // LZW: each tile sets up a decoder
    { tag: TAG.tileWidth, type: 4, values: [tile] },
    { tag: TAG.tileLength, type: 4, values: [tile] },
    { tag: TAG.tileOffsets, type: 4, values: Array(offsets).fill(0) },
    { tag: TAG.tileByteCounts, type: 4, values: Array(offsets).fill(lzw.length) },
  ], lzw);
}

/**
 * A `width`×`height` RGB TIFF with one Deflate strip that inflates to `inflated` bytes (the header
 * needs `width·height·3`): issue 18's "64×64, Deflate strip inflating to 1 GB" at any size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(tiffDeflateBomb(64, 64, 16 << 20).length < 20_000);
 * ```
 */
export function tiffDeflateBomb(width: number, height: number, inflated: number): Uint8Array {
  const z = zlibZeros(inflated);
  return tiffFile([
    ...baseEntries(width, height, 3, 8),
    { tag: TAG.stripOffsets, type: 4, values: [0] },
    { tag: TAG.rowsPerStrip, type: 4, values: [height] },
    { tag: TAG.stripByteCounts, type: 4, values: [z.length] },
  ], z);
}

/**
 * MSB-first TIFF LZW codes, each at the width a decoder expects at that point (9 to 12 bits,
 * "early change", Clear = 256 resets).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(lzwPack([256, 65, 257])), [0x80, 0x10, 0x60, 0x20]);
 * ```
 */
export function lzwPack(codes: number[]): Uint8Array {
  const w = new MsbWriter(0);
  let next = 258, width = 9, first = true;
  for (const c of codes) {
    w.bits(c, width);
    if (c === 256) {
      next = 258, width = 9, first = true;
      continue;
    }
    if (c === 257) break;
    if (!first && next < 4096) next++;
    first = false;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return w.done();
}

/**
 * LZW data whose codes build the longest possible chains (code k stands for k−256 zero bytes),
 * then repeat the longest one `repeats` times: each 12-bit code expands to 3,839 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(lzwChains(1000).length < 8_000);
 * ```
 */
export function lzwChains(repeats: number): Uint8Array {
  const codes = [256, 0];
  for (let c = 258; c < 4096; c++) codes.push(c);
  for (let i = 0; i < repeats; i++) codes.push(4095);
  codes.push(257);
  return lzwPack(codes);
}

/**
 * A `width`×`height` grey LZW TIFF of `strips` strips (one row each, as its RowsPerStrip says)
 * that all point at the same {@link lzwChains} data: issue 18's "LZW code chains, 16 strips
 * sharing them".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(tiffLzwChains(64, 16, 100).length < 12_000);
 * ```
 */
export function tiffLzwChains(width: number, strips: number, repeats: number): Uint8Array {
  const lzw = lzwChains(repeats);
  return tiffFile([
    ...baseEntries(width, strips, 1, 5),
    { tag: TAG.stripOffsets, type: 4, values: Array(strips).fill(0) },
    { tag: TAG.rowsPerStrip, type: 4, values: [1] },
    { tag: TAG.stripByteCounts, type: 4, values: Array(strips).fill(lzw.length) },
  ], lzw);
}

/**
 * A `width`×`height` grey uncompressed TIFF whose StripOffsets/StripByteCounts list `strips`
 * strips (the header's RowsPerStrip = 1 means `height`): issue 18's "TIFF with 1,000,000 strips".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(tiffManyStrips(64, 64, 10_000).length > 80_000);
 * ```
 */
export function tiffManyStrips(width: number, height: number, strips: number): Uint8Array {
  return tiffFile([
    ...baseEntries(width, height, 1, 1),
    { tag: TAG.stripOffsets, type: 4, values: Array(strips).fill(0) },
    { tag: TAG.rowsPerStrip, type: 4, values: [1] },
    { tag: TAG.stripByteCounts, type: 4, values: Array(strips).fill(width) },
  ], new Uint8Array(width));
}

// ---- JPEG -------------------------------------------------------------------------------------

function segment(marker: number, body: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out.set([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]);
  out.set(body, 4);
  return out;
}

/** A DHT segment for one table: `lengths[i]` = the code length (1–16) of `symbols[i]`. */
function dht(tableClass: 0 | 1, id: number, symbols: number[], lengths: number[]): Uint8Array {
  const counts = new Array(16).fill(0);
  const order = symbols.map((s, i) => [lengths[i], i, s]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [l] of order) counts[l - 1]++;
  return segment(0xc4, [(tableClass << 4) | id, ...counts, ...order.map((o) => o[2])]);
}

/**
 * A greyscale progressive JPEG of `size`×`size` pixels: one DC scan (one bit per block) followed by
 * `acScans` AC scans over the whole frame, each a few bytes thanks to end-of-band runs, the
 * first one at Al = 1 and the rest refinements (Ah = 1, Al = 0) repeated: issue 18's "progressive
 * JPEG 4096² grey, refinement scan ×1,000".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const j = jpegManyScans(256, 10);
 * assert.deepEqual(Array.from(j.subarray(0, 2)), [0xff, 0xd8]);
 * ```
 */
export function jpegManyScans(size: number, acScans: number): Uint8Array {
  const blocks = Math.ceil(size / 8) ** 2;
  const parts: Uint8Array[] = [new Uint8Array([0xff, 0xd8])];
  parts.push(segment(0xdb, [0, ...new Array(64).fill(1)]));
  parts.push(segment(0xc2, [8, size >> 8, size & 255, size >> 8, size & 255, 1, 1, 0x11, 0]));
  parts.push(dht(0, 0, [0], [1])); // DC: category 0 → "0"
  // AC: the 15 end-of-band run symbols EOB0…EOB14, four bits each (runs of 2^r blocks when the r extra bits are 0)
  const eob = Array.from({ length: 15 }, (_, r) => r << 4);
  parts.push(dht(1, 0, eob, eob.map(() => 4)));
  // DC first scan: every block DC difference 0
  const dc = new MsbWriter();
  for (let i = 0; i < blocks; i++) dc.bits(0, 1);
  parts.push(segment(0xda, [1, 1, 0x00, 0, 0, 0x00]), dc.done());
  const ac = new MsbWriter();
  for (let left = blocks; left > 0;) {
    const r = Math.min(14, Math.floor(Math.log2(left)));
    ac.bits(r, 4), ac.bits(0, r), left -= 1 << r; // code of EOBr is r (canonical order), extra bits 0
  }
  const acData = ac.done();
  for (let s = 0; s < acScans; s++) {
    parts.push(segment(0xda, [1, 1, 0x00, 1, 63, s === 0 ? 0x01 : 0x10]), acData);
  }
  parts.push(new Uint8Array([0xff, 0xd9]));
  return concat(parts);
}

/**
 * A flat grey baseline JPEG of `size`×`size` (every block: DC difference 0, then end-of-block; one
 * bit each), with a restart marker every `restartInterval` blocks (0: none). The blocks of the
 * intervals listed in `emptyIntervals` are left out (their restart markers stay): a file whose
 * data is short in places.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const j = jpegFlat(64, 8);
 * assert.deepEqual(Array.from(j.subarray(j.length - 2)), [0xff, 0xd9]);
 * ```
 */
export function jpegFlat(size: number, restartInterval = 0, emptyIntervals: number[] = []): Uint8Array {
  const blocks = Math.ceil(size / 8) ** 2;
  const parts: Uint8Array[] = [new Uint8Array([0xff, 0xd8])];
  parts.push(segment(0xdb, [0, ...new Array(64).fill(1)]));
  parts.push(segment(0xc0, [8, size >> 8, size & 255, size >> 8, size & 255, 1, 1, 0x11, 0]));
  parts.push(dht(0, 0, [0], [1]), dht(1, 0, [0], [1])); // DC category 0 → "0"; AC end-of-block → "0"
  if (restartInterval) parts.push(segment(0xdd, [restartInterval >> 8, restartInterval & 255]));
  parts.push(segment(0xda, [1, 1, 0x00, 0, 63, 0]));
  const interval = restartInterval || blocks;
  for (let first = 0, k = 0; first < blocks; first += interval, k++) {
    if (k > 0) parts.push(new Uint8Array([0xff, 0xd0 + ((k - 1) & 7)]));
    const w = new MsbWriter();
    if (!emptyIntervals.includes(k)) { for (let b = first; b < Math.min(blocks, first + interval); b++) w.bits(0, 2); }
    parts.push(w.done());
  }
  parts.push(new Uint8Array([0xff, 0xd9]));
  return concat(parts);
}

/**
 * `jpeg` (a real baseline or progressive file) with the frame header's size set to
 * `width`×`height` and everything after the first scan header replaced by `zeros` zero bytes and
 * EOI: issue 18's "JPEG whose header says 4000×4000, followed by zeros".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fixture } from "./image_fixtures.ts";
 * const j = jpegZeroData(fixture("full_baseline.jpg"), 4000, 4000, 219_000);
 * assert.equal(j[j.length - 1], 0xd9);
 * ```
 */
export function jpegZeroData(jpeg: Uint8Array, width: number, height: number, zeros: number): Uint8Array {
  const out = jpeg.slice();
  let o = 2;
  for (;;) {
    if (o + 4 > out.length || out[o] !== 0xff) throw new Error("jpegZeroData: no scan header found");
    const marker = out[o + 1];
    const length = (out[o + 2] << 8) | out[o + 3];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      out[o + 5] = height >> 8, out[o + 6] = height & 255, out[o + 7] = width >> 8, out[o + 8] = width & 255;
    }
    o += 2 + length;
    if (marker === 0xda) break;
  }
  return concat([out.subarray(0, o), new Uint8Array(zeros), new Uint8Array([0xff, 0xd9])]);
}
