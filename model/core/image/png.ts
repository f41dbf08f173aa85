/**
 * PNG decoder. Chunk parsing, CRC checks, inflating (bounded by the size IHDR declares, see
 * `inflate.ts`), unfiltering, Adam7 de-interlacing and colour conversion are done here.
 *
 * imagescript's own `decode()` (imagescript/png/src/png.mjs) was evaluated and is not used for
 * pixels, because it: ignores interlacing (Adam7 files come out scrambled), mis-reads bit depths
 * below 8, ignores tRNS colour keys on grey/RGB images, skips unknown filter types silently,
 * never checks CRCs or IEND, reads past the PLTE chunk, and returns zero-filled rows for a
 * truncated IDAT stream. All of those are handled here (tests compare both on the files it reads
 * correctly).
 *
 * @module
 */
import type { RgbaImage } from "../preprocess/types.ts";
import { byteReader } from "./bytes.ts";
import { corrupt, tooMuchWork, unsupported } from "./errors.ts";
import { crc32, readPngHeader } from "./header.ts";
import { inflate, InflateError, type InflateResult, inflateSlack } from "./inflate.ts";

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

const type = (s: string) =>
  (s.charCodeAt(0) << 24 | s.charCodeAt(1) << 16 | s.charCodeAt(2) << 8 | s.charCodeAt(3)) >>> 0;
const IHDR = type("IHDR"), PLTE = type("PLTE"), IDAT = type("IDAT"), IEND = type("IEND"), TRNS = type("tRNS");

/** Parsed PNG structure before inflating. */
interface PngInfo {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
  /** RGBA quadruples, alpha from tRNS. */
  palette?: Uint8Array;
  /** Colour key: raw sample values (grey: one, RGB: three) shown as transparent. */
  key?: number[];
  idat: Uint8Array;
}

/**
 * Decodes a PNG (all colour types and bit depths 1–16, interlaced or not) to 8-bit RGBA.
 * 16-bit samples are rounded to 8 bits (v·255/65535), low bit depths scaled to 0..255,
 * tRNS applied. Truncated files, CRC mismatches and short image data give `corrupt_image`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = decodePng(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"));
 * assert.deepEqual([img.width, img.height], [450, 450]);
 * ```
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const info = readChunks(bytes);
  const { width, height, depth, colorType } = info;
  const channels = CHANNELS[colorType];
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = info.interlaced ? ADAM7 : [[0, 0, 1, 1] as const];

  let expected = 0;
  const geometry = passes.map(([x0, y0, dx, dy]) => {
    const pw = Math.max(0, Math.ceil((width - x0) / dx));
    const ph = Math.max(0, Math.ceil((height - y0) / dy));
    const rowBytes = Math.ceil((pw * bitsPerPixel) / 8);
    const start = expected;
    if (pw > 0 && ph > 0) expected += ph * (rowBytes + 1);
    return { x0, y0, dx, dy, pw, ph, rowBytes, start };
  });

  // Inflate into a buffer of exactly the declared size: past it, bytes are only counted, and only
  // for an eighth more (trailing junk is ignored, as libpng does; a stream that goes on is refused).
  const raw = new Uint8Array(expected);
  const slack = inflateSlack(expected);
  let r: InflateResult;
  try {
    r = inflate(info.idat, raw, { zlib: true, extra: slack });
  } catch (e) {
    if (e instanceof InflateError && e.kind === "work") {
      return tooMuchWork(
        `png: image data is split into more compressed blocks than a ${width}×${height} image needs (${e.message}); re-save the image`,
      );
    }
    return corrupt(`png: image data does not inflate (${(e as Error).message}); the file is damaged or truncated`);
  }
  if (r.stop === "limit") {
    tooMuchWork(
      `png: image data inflates to more than ${
        expected + slack
      } bytes, but a ${width}×${height} image of ${depth}-bit samples needs ${expected}; send an unmodified PNG`,
    );
  }
  if (r.produced < expected) {
    corrupt(`png: image data holds ${r.produced} of ${expected} bytes; the file is truncated`);
  }

  const out = new Uint8Array(width * height * 4);
  const convert = converter(info, channels);
  for (const g of geometry) {
    if (g.pw === 0 || g.ph === 0) continue;
    const rows = unfilter(raw, g.start, g.rowBytes, g.ph, bpp);
    for (let j = 0; j < g.ph; j++) {
      const y = g.y0 + j * g.dy;
      convert(rows, j * g.rowBytes, g.pw, out, (y * width + g.x0) * 4, g.dx * 4);
    }
  }
  return { width, height, data: out };
}

function readChunks(bytes: Uint8Array): PngInfo {
  const { width, height } = readPngHeader(bytes);
  const r = byteReader(bytes, false, "png");
  const depth = bytes[24], colorType = bytes[25];
  if (!(colorType in CHANNELS) || !DEPTHS[colorType].includes(depth)) {
    corrupt(`png: invalid bit depth ${depth} for colour type ${colorType}; send a valid PNG file`);
  }
  if (bytes[26] !== 0 || bytes[27] !== 0) corrupt(`png: unknown compression or filter method; send a valid PNG file`);
  if (bytes[28] > 1) corrupt(`png: unknown interlace method ${bytes[28]}; send a valid PNG file`);

  let palette: Uint8Array | undefined;
  let key: number[] | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let o = 33;
  for (;;) {
    const length = r.u32(o);
    const t = r.u32(o + 4);
    if (length > 0x7fffffff) corrupt(`png: chunk length ${length} is invalid; the file is damaged`);
    r.need(o + 8, length + 4, "chunk data and CRC");
    const data = bytes.subarray(o + 8, o + 8 + length);
    if (crc32(bytes.subarray(o + 4, o + 8 + length)) !== r.u32(o + 8 + length)) {
      corrupt(`png: checksum mismatch in chunk at byte ${o}; the file is damaged, send the original`);
    }
    o += 12 + length;
    if (t === IEND) break;
    if (t === IDAT) idat.push(data);
    else if (t === PLTE) {
      if (length % 3 !== 0 || length === 0 || length > 768) {
        corrupt(`png: PLTE chunk has ${length} bytes; send a valid PNG file`);
      }
      palette = new Uint8Array((length / 3) * 4);
      for (let i = 0; i < length / 3; i++) {
        palette.set(data.subarray(i * 3, i * 3 + 3), i * 4);
        palette[i * 4 + 3] = 255;
      }
    } else if (t === TRNS) trns = data;
    else if (t === IHDR) corrupt(`png: second IHDR chunk; send a valid PNG file`);
    else if ((t >>> 29 & 1) === 0) {
      // Upper-case first letter = critical chunk we do not know.
      unsupported(
        `png: unknown critical chunk "${
          String.fromCharCode(t >>> 24, t >>> 16 & 255, t >>> 8 & 255, t & 255)
        }"; re-save as a standard PNG`,
      );
    }
  }
  if (idat.length === 0) corrupt(`png: no image data (IDAT); send a valid PNG file`);
  if (colorType === 3) {
    if (!palette) corrupt(`png: palette image without a PLTE chunk; send a valid PNG file`);
    if (trns) {
      if (trns.length > palette!.length / 4) {
        corrupt(`png: tRNS has more entries than the palette; send a valid PNG file`);
      }
      for (let i = 0; i < trns.length; i++) palette![i * 4 + 3] = trns[i];
    }
  } else if (trns && colorType === 0) {
    if (trns.length !== 2) corrupt(`png: grey tRNS must hold 2 bytes; send a valid PNG file`);
    key = [trns[0] << 8 | trns[1]];
  } else if (trns && colorType === 2) {
    if (trns.length !== 6) corrupt(`png: RGB tRNS must hold 6 bytes; send a valid PNG file`);
    key = [trns[0] << 8 | trns[1], trns[2] << 8 | trns[3], trns[4] << 8 | trns[5]];
  }
  let total = 0;
  for (const c of idat) total += c.length;
  const joined = idat.length === 1 ? idat[0] : new Uint8Array(total);
  if (idat.length > 1) {
    let p = 0;
    for (const c of idat) joined.set(c, p), p += c.length;
  }
  return { width, height, depth, colorType, interlaced: bytes[28] === 1, palette, key, idat: joined };
}

/** Undoes the per-row filters of one pass; returns the rows without filter bytes. */
function unfilter(raw: Uint8Array, start: number, rowBytes: number, rows: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * rows);
  for (let y = 0; y < rows; y++) {
    const s = start + y * (rowBytes + 1);
    const filter = raw[s];
    const line = raw.subarray(s + 1, s + 1 + rowBytes);
    const d = y * rowBytes;
    const p = d - rowBytes; // previous row in `out`
    switch (filter) {
      case 0:
        out.set(line, d);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) out[d + i] = line[i] + (i >= bpp ? out[d + i - bpp] : 0);
        break;
      case 2:
        if (y === 0) out.set(line, d);
        else for (let i = 0; i < rowBytes; i++) out[d + i] = line[i] + out[p + i];
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[d + i - bpp] : 0;
          const b = y > 0 ? out[p + i] : 0;
          out[d + i] = line[i] + ((a + b) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[d + i - bpp] : 0;
          const b = y > 0 ? out[p + i] : 0;
          const c = y > 0 && i >= bpp ? out[p + i - bpp] : 0;
          const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
          out[d + i] = line[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        corrupt(`png: unknown row filter ${filter}; the file is damaged`);
    }
  }
  return out;
}

type RowConverter = (src: Uint8Array, at: number, n: number, out: Uint8Array, to: number, step: number) => void;

/** Converts `n` pixels of one unfiltered row to RGBA, writing every `step` bytes of `out`. */
function converter(info: PngInfo, channels: number): RowConverter {
  const { depth, colorType, palette, key } = info;
  if (depth === 8 && !key) {
    if (colorType === 2) {
      return (s, at, n, out, to, step) => {
        for (let i = 0; i < n; i++, at += 3, to += step) {
          out[to] = s[at], out[to + 1] = s[at + 1], out[to + 2] = s[at + 2], out[to + 3] = 255;
        }
      };
    }
    if (colorType === 6) {
      return (s, at, n, out, to, step) => {
        for (let i = 0; i < n; i++, at += 4, to += step) {
          out[to] = s[at], out[to + 1] = s[at + 1], out[to + 2] = s[at + 2], out[to + 3] = s[at + 3];
        }
      };
    }
  }
  // General path: read raw samples, then map them.
  const max = (1 << depth) - 1;
  const sample: (s: Uint8Array, at: number, k: number) => number = depth === 16
    ? (s, at, k) => s[at + 2 * k] << 8 | s[at + 2 * k + 1]
    : depth === 8
    ? (s, at, k) => s[at + k]
    : (s, at, k) => (s[at + ((k * depth) >> 3)] >> (8 - depth - ((k * depth) & 7))) & max;
  const to8 = depth === 16
    ? (v: number) => ((v * 255 + 32767) / 65535) | 0
    : depth === 8
    ? (v: number) => v
    : (v: number) => (v * 255) / max;
  const entries = palette ? palette.length / 4 : 0;
  return (s, at, n, out, to, step) => {
    for (let i = 0; i < n; i++, to += step) {
      const k = i * channels;
      if (colorType === 3) {
        const idx = sample(s, at, k);
        if (idx >= entries) corrupt(`png: pixel uses palette entry ${idx} of ${entries}; the file is damaged`);
        out[to] = palette![idx * 4], out[to + 1] = palette![idx * 4 + 1];
        out[to + 2] = palette![idx * 4 + 2], out[to + 3] = palette![idx * 4 + 3];
      } else if (colorType === 0 || colorType === 4) {
        const v = sample(s, at, k);
        const g = to8(v);
        out[to] = g, out[to + 1] = g, out[to + 2] = g;
        out[to + 3] = colorType === 4 ? to8(sample(s, at, k + 1)) : key && v === key[0] ? 0 : 255;
      } else {
        const r = sample(s, at, k), g = sample(s, at, k + 1), b = sample(s, at, k + 2);
        out[to] = to8(r), out[to + 1] = to8(g), out[to + 2] = to8(b);
        out[to + 3] = colorType === 6
          ? to8(sample(s, at, k + 3))
          : key && r === key[0] && g === key[1] && b === key[2]
          ? 0
          : 255;
      }
    }
  };
}
