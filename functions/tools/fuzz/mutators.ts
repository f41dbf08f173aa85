/**
 * Mutations of valid image files for fuzzing the decoders: generic byte-level ones (bit flips,
 * insertions, deletions, truncation, splices) and format-aware ones that edit header fields
 * (sizes, depths, offsets) and lie in chunk/segment/strip lengths, re-computing PNG CRCs where the
 * lie would otherwise be caught by the checksum alone.
 *
 * @module
 */
import type { ImageFormat } from "../../../model/core/mod.ts";
import type { Rng } from "./rng.ts";

/** Changes a copy of `bytes` (never the input); returns the copy. */
export type Mutator = (bytes: Uint8Array, rng: Rng) => Uint8Array;

/** Values that tend to break size arithmetic. */
const INTERESTING_U32 = [
  0,
  1,
  2,
  7,
  8,
  15,
  16,
  255,
  256,
  0x7fff,
  0x8000,
  0xffff,
  0x10000,
  0x10001,
  0x7fffffff,
  0x80000000,
  0xffffffff,
];
const INTERESTING_U16 = [0, 1, 2, 8, 16, 255, 256, 0x7fff, 0x8000, 0xfffe, 0xffff];

const copy = (b: Uint8Array) => b.slice();

function interesting32(rng: Rng, old: number): number {
  return rng.chance(0.7) ? rng.pick(INTERESTING_U32) : (old + rng.int(17) - 8) >>> 0;
}

function interesting16(rng: Rng, old: number): number {
  return rng.chance(0.7) ? rng.pick(INTERESTING_U16) : (old + rng.int(17) - 8) & 0xffff;
}

/** Generic, format-blind mutations. */
export const GENERIC: Record<string, Mutator> = {
  bitFlip(b, rng) {
    const out = copy(b);
    const n = 1 + rng.int(8);
    for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  byteSet(b, rng) {
    const out = copy(b);
    // bias towards the first 512 bytes: that is where the headers are
    const span = rng.chance(0.7) ? Math.min(out.length, 512) : out.length;
    if (span) out[rng.int(span)] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
    return out;
  },
  insertBytes(b, rng) {
    const at = rng.int(b.length + 1);
    const n = 1 + rng.int(rng.chance(0.8) ? 8 : 4096);
    const ins = new Uint8Array(n).map(() => rng.int(256));
    const out = new Uint8Array(b.length + n);
    out.set(b.subarray(0, at));
    out.set(ins, at);
    out.set(b.subarray(at), at + n);
    return out;
  },
  deleteBytes(b, rng) {
    const at = rng.int(b.length);
    const n = Math.min(b.length - at, 1 + rng.int(rng.chance(0.8) ? 8 : 4096));
    const out = new Uint8Array(b.length - n);
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + n), at);
    return out;
  },
  truncate(b, rng) {
    return b.slice(0, rng.chance(0.3) ? rng.int(Math.min(b.length, 64)) : rng.int(b.length));
  },
  duplicateRange(b, rng) {
    const from = rng.int(b.length);
    const len = Math.min(b.length - from, 1 + rng.int(1024));
    const at = rng.int(b.length + 1);
    const out = new Uint8Array(b.length + len);
    out.set(b.subarray(0, at));
    out.set(b.subarray(from, from + len), at);
    out.set(b.subarray(at), at + len);
    return out;
  },
  zeroTail(b, rng) {
    const out = copy(b);
    out.fill(0, rng.int(out.length));
    return out;
  },
};

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

// ---- hostile payloads (issue 18): a few bytes that ask for far more work than they hold ---

/** Bits LSB-first (deflate) or MSB-first (LZW, JPEG). */
function bitWriter(lsbFirst: boolean) {
  const bytes: number[] = [];
  let acc = 0, n = 0;
  const put = (bit: number) => {
    acc = lsbFirst ? acc | (bit << n) : (acc << 1) | bit;
    if (++n === 8) bytes.push(acc), acc = 0, n = 0;
  };
  return {
    bits(v: number, k: number) {
      for (let i = 0; i < k; i++) put(lsbFirst ? (v >>> i) & 1 : (v >>> (k - 1 - i)) & 1);
    },
    /** A Huffman code (deflate sends codes MSB first even in its LSB-first stream). */
    code(c: number, k: number) {
      for (let i = k - 1; i >= 0; i--) put((c >>> i) & 1);
    },
    done: () => new Uint8Array(n ? [...bytes, lsbFirst ? acc : acc << (8 - n)] : bytes),
  };
}

/**
 * zlib data inflating to `n` zero bytes at deflate's best ratio (one dynamic block in which
 * "length 258, distance 1" takes 2 bits), optionally preceded by `empty` non-final dynamic blocks
 * that inflate to nothing (each a pair of Huffman tables to build).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decompress } from "imagescript/png/src/zlib.mjs";
 * assert.deepEqual(decompress(zlibBomb(5000, 3), 5000), new Uint8Array(5000));
 * assert.ok(zlibBomb(64 << 20).length < 70_000);
 * ```
 */
export function zlibBomb(n: number, empty = 0): Uint8Array {
  const w = bitWriter(true);
  const header = (final: number, hlit: number, clLengths: Record<number, number>) => {
    w.bits(final, 1), w.bits(2, 2), w.bits(hlit, 5), w.bits(0, 5), w.bits(14, 4);
    for (const s of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]) w.bits(clLengths[s] ?? 0, 3);
  };
  for (let b = 0; b < empty; b++) {
    // lengths: literal 0 → 1, 1..255 → 0, 256 → 1; code-length code 18 → "0", 0 → "10", 1 → "11"
    header(0, 0, { 18: 1, 0: 2, 1: 2 });
    w.code(3, 2), w.code(0, 1), w.bits(127, 7), w.code(0, 1), w.bits(106, 7), w.code(3, 2), w.code(2, 2);
    w.code(1, 1); // end of block
  }
  // lengths: literal 0 → 2, 256 → 2, 285 → 1, distance 0 → 1; code-length code 18 → "0", 1 → "10", 2 → "11"
  header(1, 29, { 18: 1, 1: 2, 2: 2 });
  w.code(3, 2), w.code(0, 1), w.bits(127, 7), w.code(0, 1), w.bits(106, 7), w.code(3, 2);
  w.code(0, 1), w.bits(17, 7), w.code(2, 2), w.code(2, 2);
  w.code(2, 2); // literal 0 ("10")
  let left = n - 1;
  for (; left >= 258 + 3 || left === 258; left -= 258) w.code(0, 2); // 285 "0", distance "0"
  for (; left > 0; left--) w.code(2, 2);
  w.code(3, 2); // end of block
  const body = w.done();
  const out = new Uint8Array(body.length + 6);
  out.set([0x78, 0x01]), out.set(body, 2);
  new DataView(out.buffer).setUint32(out.length - 4, ((n % 65521) * 65536 + 1) >>> 0);
  return out;
}

/**
 * TIFF LZW data whose codes form the longest chains (code k = k−256 zero bytes), then repeat the
 * longest `repeats` times: 12 bits that stand for 3,839 bytes each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(lzwChainBomb(1000).length < 8000);
 * ```
 */
export function lzwChainBomb(repeats: number): Uint8Array {
  const w = bitWriter(false);
  let next = 258, width = 9;
  const emit = (code: number, adds: boolean) => {
    w.bits(code, width);
    if (adds && next < 4096) next++;
    if (next + 1 >= 1 << width && width < 12) width++;
  };
  w.bits(256, 9), emit(0, false);
  for (let c = 258; c < 4096; c++) emit(c, true);
  for (let i = 0; i < repeats; i++) emit(4095, true);
  w.bits(257, width);
  return w.done();
}

// ---- PNG ----------------------------------------------------------------------------------

/** Offsets of a PNG's chunks (`o` = the length field), stopping at the first one out of bounds. */
export function pngChunks(b: Uint8Array): { o: number; length: number; type: string }[] {
  const out = [];
  const v = view(b);
  for (let o = 8; o + 8 <= b.length;) {
    const length = v.getUint32(o);
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    out.push({ o, length, type });
    if (type === "IEND" || length > b.length) break;
    o += 12 + length;
  }
  return out;
}

/** PNG CRC-32 of `data`. */
export function crc32(data: Uint8Array): number {
  let c = ~0;
  for (const x of data) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function fixCrc(b: Uint8Array, chunkAt: number): void {
  const v = view(b);
  const length = v.getUint32(chunkAt);
  const end = chunkAt + 8 + length;
  if (end + 4 <= b.length) v.setUint32(end, crc32(b.subarray(chunkAt + 4, end)));
}

const PNG: Record<string, Mutator> = {
  pngIhdrField(b, rng) {
    const out = copy(b);
    if (out.length < 33) return out;
    const v = view(out);
    const field = rng.int(4);
    if (field === 0) v.setUint32(16, interesting32(rng, v.getUint32(16)));
    else if (field === 1) v.setUint32(20, interesting32(rng, v.getUint32(20)));
    else if (field === 2) out[24] = rng.pick([0, 1, 2, 3, 4, 5, 8, 16, 32, 255]); // bit depth
    else out[25 + rng.int(4)] = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 255]); // colour type / methods
    if (rng.chance(0.9)) fixCrc(out, 8);
    return out;
  },
  pngChunkLengthLie(b, rng) {
    const out = copy(b);
    const chunks = pngChunks(out);
    if (!chunks.length) return out;
    const c = rng.pick(chunks);
    view(out).setUint32(c.o, interesting32(rng, c.length));
    return out;
  },
  pngChunkType(b, rng) {
    const out = copy(b);
    const chunks = pngChunks(out);
    if (!chunks.length) return out;
    const c = rng.pick(chunks);
    const t = rng.pick(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "zzzz", "iDAT"]);
    for (let i = 0; i < 4; i++) out[c.o + 4 + i] = t.charCodeAt(i);
    fixCrc(out, c.o);
    return out;
  },
  pngIdatBomb(b, rng) {
    // all IDATs replaced by one that inflates to MiBs (optionally after hundreds of empty blocks)
    const chunks = pngChunks(b);
    const idat = chunks.filter((c) => c.type === "IDAT");
    if (!idat.length || idat[idat.length - 1].o + 12 + idat[idat.length - 1].length > b.length) return copy(b);
    const z = zlibBomb(rng.pick([1 << 20, 16 << 20, 128 << 20]), rng.chance(0.3) ? rng.pick([500, 5000]) : 0);
    const chunk = new Uint8Array(12 + z.length);
    new DataView(chunk.buffer).setUint32(0, z.length);
    chunk.set([0x49, 0x44, 0x41, 0x54], 4), chunk.set(z, 8);
    fixCrc(chunk, 0);
    const first = idat[0].o, last = idat[idat.length - 1];
    const rest = b.subarray(last.o + 12 + last.length);
    const between = chunks.filter((c) => c.o > first && c.o < last.o && c.type !== "IDAT");
    const parts = [b.subarray(0, first), chunk, ...between.map((c) => b.subarray(c.o, c.o + 12 + c.length)), rest];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  },
  pngIdatFlip(b, rng) {
    // corrupt compressed data but keep checksums right, so the inflater itself is exercised
    const out = copy(b);
    const idats = pngChunks(out).filter((c) => c.type === "IDAT" && c.o + 12 + c.length <= out.length);
    if (!idats.length) return out;
    const c = rng.pick(idats);
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) out[c.o + 8 + rng.int(Math.max(1, c.length))] ^= 1 << rng.int(8);
    fixCrc(out, c.o);
    return out;
  },
};

// ---- BMP ----------------------------------------------------------------------------------

const BMP: Record<string, Mutator> = {
  bmpHeaderField(b, rng) {
    const out = copy(b);
    if (out.length < 54) return out;
    const v = view(out);
    // file size, pixel offset, DIB size, width, height, planes, bpp, compression, image size, colours used
    const field = rng.pick([[2, 4], [10, 4], [14, 4], [18, 4], [22, 4], [26, 2], [28, 2], [30, 4], [34, 4], [46, 4]]);
    if (field[1] === 4) v.setUint32(field[0], interesting32(rng, v.getUint32(field[0], true)), true);
    else v.setUint16(field[0], interesting16(rng, v.getUint16(field[0], true)), true);
    if (field[0] === 28 && rng.chance(0.5)) v.setUint16(28, rng.pick([1, 4, 8, 16, 24, 32]), true);
    return out;
  },
  bmpBitfields(b, rng) {
    const out = copy(b);
    if (out.length < 70) return out;
    const v = view(out);
    v.setUint32(
      54 + 4 * rng.int(4),
      rng.pick([0, 1, 0xff, 0xff00, 0xff0000, 0xff000000, 0xffffffff, 0x80000001]),
      true,
    );
    return out;
  },
};

// ---- JPEG ---------------------------------------------------------------------------------

/** Marker segments of a JPEG up to SOS (`o` = the marker's 0xFF). */
export function jpegSegments(b: Uint8Array): { o: number; marker: number; length: number }[] {
  const out = [];
  let o = 2;
  while (o + 4 <= b.length && b[o] === 0xff) {
    const marker = b[o + 1];
    const length = (b[o + 2] << 8) | b[o + 3];
    out.push({ o, marker, length });
    if (marker === 0xda) break;
    o += 2 + length;
  }
  return out;
}

const JPEG: Record<string, Mutator> = {
  jpegSofField(b, rng) {
    const out = copy(b);
    const sof = jpegSegments(out).find((s) =>
      s.marker >= 0xc0 && s.marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(s.marker)
    );
    if (!sof || sof.o + 12 > out.length) return out;
    const v = view(out);
    const field = rng.int(5);
    if (field === 0) out[sof.o + 4] = rng.pick([0, 1, 8, 12, 16, 255]); // precision
    else if (field === 1) v.setUint16(sof.o + 5, interesting16(rng, v.getUint16(sof.o + 5)));
    else if (field === 2) v.setUint16(sof.o + 7, interesting16(rng, v.getUint16(sof.o + 7)));
    else if (field === 3) out[sof.o + 9] = rng.pick([0, 1, 2, 3, 4, 5, 255]); // components
    else out[sof.o + 1] = rng.pick([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc9, 0xcb, 0xcf]); // SOF type
    return out;
  },
  jpegSegmentLengthLie(b, rng) {
    const out = copy(b);
    const segs = jpegSegments(out);
    if (!segs.length) return out;
    const s = rng.pick(segs);
    view(out).setUint16(s.o + 2, interesting16(rng, s.length));
    return out;
  },
  jpegTableByte(b, rng) {
    // Huffman/quantisation table contents and scan headers
    const out = copy(b);
    const segs = jpegSegments(out).filter((s) => [0xc4, 0xdb, 0xda, 0xdd].includes(s.marker));
    if (!segs.length) return out;
    const s = rng.pick(segs);
    const at = s.o + 4 + rng.int(Math.max(1, s.length - 2));
    if (at < out.length) out[at] = rng.chance(0.5) ? rng.int(256) : rng.pick([0, 0xff, 0x10, 0x11]);
    return out;
  },
  jpegScanFlood(b, rng) {
    // the last scan repeated: dozens to hundreds of passes over the frame for a few KB each
    const segs = jpegSegments(b);
    const sos = segs.find((s) => s.marker === 0xda);
    if (!sos) return copy(b);
    let end = b.length;
    while (end >= 2 && !(b[end - 2] === 0xff && b[end - 1] === 0xd9)) end--;
    if (end < sos.o + 2) end = b.length + 2;
    // start of the last scan: the last SOS marker outside entropy-coded data is hard to find
    // exactly, so repeat everything from the first SOS (all scans) instead
    const scans = b.subarray(sos.o, end - 2);
    const times = Math.max(1, Math.min(rng.pick([3, 25, 120]), Math.floor((4 << 20) / Math.max(1, scans.length))));
    const out = new Uint8Array(sos.o + scans.length * times + 2);
    out.set(b.subarray(0, sos.o));
    for (let i = 0; i < times; i++) out.set(scans, sos.o + i * scans.length);
    out.set([0xff, 0xd9], out.length - 2);
    return out;
  },
  jpegZeroScan(b, rng) {
    // a bigger frame over zeros: the header claims far more blocks than the data holds
    const segs = jpegSegments(b);
    const sof = segs.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(s.marker));
    const sos = segs.find((s) => s.marker === 0xda);
    if (!sof || !sos || sof.o + 9 > b.length || sos.o + 2 + sos.length > b.length) return copy(b);
    const start = sos.o + 2 + sos.length;
    const zeros = Math.max(1, (b.length - start) * rng.pick([1, 4, 16]));
    const out = new Uint8Array(start + zeros + 2);
    out.set(b.subarray(0, start));
    const v = view(out);
    const scale = rng.pick([2, 4, 16]);
    v.setUint16(sof.o + 5, Math.min(65535, v.getUint16(sof.o + 5) * scale));
    v.setUint16(sof.o + 7, Math.min(65535, v.getUint16(sof.o + 7) * scale));
    out.set([0xff, 0xd9], out.length - 2);
    return out;
  },
  jpegMarkerInScan(b, rng) {
    const out = copy(b);
    const sos = jpegSegments(out).find((s) => s.marker === 0xda);
    if (!sos) return out;
    const start = sos.o + 2 + sos.length;
    if (start + 2 >= out.length) return out;
    const at = start + rng.int(out.length - start - 1);
    out[at] = 0xff;
    out[at + 1] = rng.pick([0xd9, 0xd0, 0xd7, 0xc4, 0xda, 0x00, 0xff]);
    return out;
  },
};

// ---- TIFF ---------------------------------------------------------------------------------

/** The first IFD's entries (`o` = the entry's offset), with the file's byte order. */
export function tiffEntries(b: Uint8Array): { little: boolean; entries: { o: number; tag: number }[] } {
  const little = b[0] === 0x49;
  if (b.length < 8) return { little, entries: [] };
  const v = view(b);
  const ifd = v.getUint32(4, little);
  if (ifd + 2 > b.length) return { little, entries: [] };
  const count = v.getUint16(ifd, little);
  const entries = [];
  for (let i = 0; i < count && ifd + 2 + i * 12 + 12 <= b.length; i++) {
    const o = ifd + 2 + i * 12;
    entries.push({ o, tag: v.getUint16(o, little) });
  }
  return { little, entries };
}

/** Where an entry's SHORT or LONG values lie (inline or out of line); size 0 when unreadable. */
function tiffValues(b: Uint8Array, little: boolean, o: number): { at: number; size: number; count: number } {
  const v = view(b);
  const type = v.getUint16(o + 2, little), count = v.getUint32(o + 4, little);
  const size = type === 3 ? 2 : type === 4 ? 4 : 0;
  const at = size * count > 4 ? v.getUint32(o + 8, little) : o + 8;
  return size && at + size * count <= b.length ? { at, size, count } : { at: 0, size: 0, count: 0 };
}

const TIFF: Record<string, Mutator> = {
  tiffEntryValue(b, rng) {
    const out = copy(b);
    const { little, entries } = tiffEntries(out);
    if (!entries.length) return out;
    // prefer size, bits, compression, photometric, samples, strip offsets/counts, rows per strip
    const key = [256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 338, 339];
    const pool = entries.filter((e) => key.includes(e.tag));
    const e = rng.pick(pool.length && rng.chance(0.8) ? pool : entries);
    const v = view(out);
    const what = rng.int(3);
    if (what === 0) v.setUint32(e.o + 8, interesting32(rng, v.getUint32(e.o + 8, little)), little);
    else if (what === 1) v.setUint32(e.o + 4, interesting32(rng, v.getUint32(e.o + 4, little)), little); // count
    else v.setUint16(e.o + 2, rng.pick([0, 1, 2, 3, 4, 5, 7, 12, 13, 16, 99]), little); // type
    return out;
  },
  tiffEntryTag(b, rng) {
    const out = copy(b);
    const { little, entries } = tiffEntries(out);
    if (!entries.length) return out;
    const e = rng.pick(entries);
    view(out).setUint16(
      e.o,
      rng.pick([256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 320, 322, 323, 324, 325, 338, 339, 0, 0xffff]),
      little,
    );
    return out;
  },
  tiffIfdOffset(b, rng) {
    const out = copy(b);
    if (out.length < 8) return out;
    const little = out[0] === 0x49;
    const v = view(out);
    if (rng.chance(0.5)) v.setUint32(4, interesting32(rng, v.getUint32(4, little)), little);
    else {
      const ifd = v.getUint32(4, little);
      if (ifd + 2 <= out.length) v.setUint16(ifd, interesting16(rng, v.getUint16(ifd, little)), little);
    }
    return out;
  },
  tiffStripData(b, rng) {
    // corrupt compressed strip bytes (LZW/Deflate/PackBits streams)
    const out = copy(b);
    const { little, entries } = tiffEntries(out);
    const e = entries.find((x) => x.tag === 273);
    if (!e) return out;
    const v = view(out);
    const count = v.getUint32(e.o + 4, little);
    const first = count === 1 ? v.getUint32(e.o + 8, little) : (() => {
      const at = v.getUint32(e.o + 8, little);
      return at + 4 <= out.length ? v.getUint32(at, little) : 0;
    })();
    if (first >= out.length) return out;
    const n = 1 + rng.int(8);
    for (let i = 0; i < n; i++) out[first + rng.int(Math.min(4096, out.length - first))] = rng.int(256);
    return out;
  },
  tiffStripBomb(b, rng) {
    // the first strip (or tile) repointed at a payload appended to the file: a zlib or LZW bomb
    const { little, entries } = tiffEntries(b);
    const offs = entries.find((e) => e.tag === 273 || e.tag === 324);
    const counts = entries.find((e) => e.tag === (offs?.tag === 273 ? 279 : 325));
    const comp = entries.find((e) => e.tag === 259);
    if (!offs || !counts || !comp) return copy(b);
    const lzw = rng.chance(0.5);
    const payload = lzw ? lzwChainBomb(rng.pick([1000, 20_000])) : zlibBomb(rng.pick([1 << 20, 64 << 20]));
    const out = new Uint8Array(b.length + payload.length);
    out.set(b), out.set(payload, b.length);
    const o = tiffValues(out, little, offs.o), c = tiffValues(out, little, counts.o);
    if (!o.size || !c.size) return copy(b);
    const v = view(out);
    const put = (x: { at: number; size: number }, value: number) =>
      x.size === 2 ? v.setUint16(x.at, Math.min(value, 65535), little) : v.setUint32(x.at, value, little);
    put(o, b.length), put(c, payload.length);
    v.setUint16(comp.o + 8, lzw ? 5 : 8, little);
    return out;
  },
  tiffChunkCountLie(b, rng) {
    // geometry that disagrees with the offsets: tiny or huge RowsPerStrip, tile sides of 1 to 65535
    const out = copy(b);
    const { little, entries } = tiffEntries(out);
    const v = view(out);
    const geometry = entries.filter((e) => [278, 322, 323].includes(e.tag));
    if (!geometry.length) return out;
    const e = rng.pick(geometry);
    const value = rng.pick([0, 1, 2, 8, 16, 65535]);
    if (v.getUint16(e.o + 2, little) === 3) v.setUint16(e.o + 8, value, little);
    else v.setUint32(e.o + 8, value, little);
    return out;
  },
};

/** Mutators per format (every format also gets {@link GENERIC}). */
export const BY_FORMAT: Record<ImageFormat, Record<string, Mutator>> = { png: PNG, bmp: BMP, jpeg: JPEG, tiff: TIFF };

/**
 * Applies 1–3 mutations, format-aware ones half of the time; returns the bytes and the names of
 * the mutations applied (to reproduce and to count findings per mutator).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 * const png = await Deno.readFile("tests/fixtures/images/variant_rgb8.png");
 * const { bytes, ops } = mutate(png, createRng(1), "png"); // ops e.g. ["pngIhdrField", "bitFlip"]
 * assert.ok(ops.length >= 1 && ops.length <= 3);
 * assert.ok(ops.every((op) => op in GENERIC || op in BY_FORMAT.png));
 * assert.deepEqual(mutate(png, createRng(1), "png"), { bytes, ops }); // one seed, one case
 * ```
 */
export function mutate(bytes: Uint8Array, rng: Rng, format: ImageFormat): { bytes: Uint8Array; ops: string[] } {
  const specific = BY_FORMAT[format];
  const n = 1 + (rng.chance(0.6) ? 0 : rng.int(3));
  let out = bytes;
  const ops: string[] = [];
  for (let i = 0; i < n; i++) {
    const pool = rng.chance(0.5) ? specific : GENERIC;
    const name = rng.pick(Object.keys(pool));
    out = pool[name](out, rng);
    ops.push(name);
  }
  return { bytes: out, ops };
}
