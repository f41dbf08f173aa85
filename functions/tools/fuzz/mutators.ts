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
