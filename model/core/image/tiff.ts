/**
 * TIFF decoder (first image only): 8-bit grey, grey + alpha, RGB and RGBA with contiguous samples,
 * in strips or tiles, uncompressed, LZW, Deflate or PackBits, with or without horizontal
 * differencing (predictor 2). Other layouts are refused from the directory's tags.
 *
 * The work is bounded by what the header declares, before and during decoding:
 * - the number of strips (or tiles) must be exactly what ImageWidth/ImageLength and RowsPerStrip
 *   (or TileWidth/TileLength) imply: anything else is `corrupt_image`, refused before a strip is
 *   read (a 2048² file listing a million strips, or one offset for four million tiles);
 * - tiles must be at least 16×16 pixels (the TIFF 6.0 rule is multiples of 16) and may not cover
 *   more than four times the image (plus one 256×256 tile): otherwise `too_much_work`;
 * - the compressed strips or tiles may hold at most twice the file's bytes (+ 64 KiB): strips that
 *   share one stream make the decoder read it again for each (issue 18) and are `too_much_work`;
 * - every strip or tile decodes into a buffer of exactly its declared rows × row bytes; LZW,
 *   Deflate and PackBits output past it is counted, not stored, and a stream that goes on for more
 *   than an eighth (+ 1 KiB) past it is `too_much_work`; one that falls short is `corrupt_image`;
 *   Deflate block headers and tables share one budget for the whole image.
 *
 * The decoder used to be utif2, which has none of these bounds, loops forever on a cyclic IFD
 * chain, and prints to stdout for tiled files; it is no longer used.
 *
 * @module
 */
import type { RgbaImage } from "../preprocess/types.ts";
import { type ByteReader, byteReader } from "./bytes.ts";
import { corrupt, ImageDecodeError, tooMuchWork, unsupported } from "./errors.ts";
import { readTiffHeader } from "./header.ts";
import {
  inflate,
  type InflateBudget,
  inflateBudget,
  InflateError,
  type InflateResult,
  inflateSlack,
} from "./inflate.ts";
import { decodeTiffLzw } from "./lzw.ts";
import { countWork } from "./work.ts";

const COMPRESSIONS: Record<number, string> = { 1: "none", 5: "LZW", 8: "Deflate", 32946: "Deflate", 32773: "PackBits" };

/** Smallest tile side accepted (TIFF 6.0: tile sides are multiples of 16). */
export const MIN_TILE_SIDE = 16;

/**
 * Decodes the first image of a TIFF file to 8-bit RGBA.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = await decodeTiff(await Deno.readFile("tests/fixtures/images/variant_rgb_lzw.tif"));
 * assert.deepEqual([img.width, img.height], [157, 143]);
 * ```
 */
// deno-lint-ignore require-await -- kept async: callers await it and expect rejections, not throws
export async function decodeTiff(bytes: Uint8Array): Promise<RgbaImage> {
  const { width, height } = readTiffHeader(bytes);
  const dir = readDirectory(bytes);
  const compression = dir.one(259) ?? 1;
  const photometric = dir.one(262);
  const bits = dir.ints(258, 16) ?? [1];
  const spp = dir.one(277) ?? 1;
  const planar = dir.one(284) ?? 1;
  if (!(compression in COMPRESSIONS)) {
    unsupported(`tiff: compression ${compression} is not supported; save with none, LZW, Deflate or PackBits`);
  }
  if (photometric !== 0 && photometric !== 1 && photometric !== 2) {
    unsupported(
      `tiff: photometric interpretation ${photometric} (palette/CMYK/YCbCr/…) is not supported; save as 8-bit RGB or greyscale`,
    );
  }
  if (!bits.every((b) => b === 8)) {
    unsupported(`tiff: ${bits.join("/")}-bit samples are not supported; save with 8 bits per sample`);
  }
  const expectedSpp = photometric === 2 ? [3, 4] : [1, 2];
  if (!expectedSpp.includes(spp)) {
    unsupported(`tiff: ${spp} samples per pixel is not supported; save as RGB, RGBA or greyscale`);
  }
  if (planar !== 1) {
    unsupported(`tiff: planar (separate-plane) storage is not supported; save with contiguous (chunky) samples`);
  }
  const fp = dir.one(339);
  if (fp !== undefined && fp !== 1) {
    unsupported(`tiff: float or signed samples are not supported; save as 8-bit unsigned`);
  }
  const predictor = dir.one(317) ?? 1;
  if (predictor !== 1 && predictor !== 2) {
    unsupported(
      `tiff: predictor ${predictor} is not supported; save without a predictor or with horizontal differencing`,
    );
  }

  const layout = chunkLayout(dir, width, height, spp, compression);
  let total = 0;
  for (let i = 0; i < layout.offsets.length; i++) {
    if (!(layout.offsets[i] + layout.counts[i] <= bytes.length)) {
      corrupt(`tiff: image data ends beyond the ${bytes.length}-byte file (truncated); send the complete file`);
    }
    total += compression === 1 ? 0 : layout.counts[i];
  }
  // Strips that share their data make the decoder read the same bytes again and again (issue 18:
  // 16 strips on one LZW stream). Written files never need to read more than the file holds.
  if (total > 2 * bytes.length + 65_536) {
    tooMuchWork(
      `tiff: the ${layout.kind} hold ${total} bytes of compressed data in a ${bytes.length}-byte file (they share data); re-save the image`,
    );
  }

  const rowBytes = width * spp;
  const raw = new Uint8Array(height * rowBytes);
  // one budget for all Deflate block headers and tables: an image's worth, not a strip's worth per strip
  const budget = inflateBudget(2 * raw.length);
  if (layout.kind === "strips") {
    const { rowsPerStrip } = layout;
    const stripBytes = rowsPerStrip * rowBytes;
    for (let i = 0; i < layout.offsets.length; i++) {
      const rows = Math.min(rowsPerStrip, height - i * rowsPerStrip);
      const dest = raw.subarray(i * stripBytes, i * stripBytes + rows * rowBytes);
      // the last strip may be stored with all RowsPerStrip rows: allow those, plus the slack
      const extra = (rowsPerStrip - rows) * rowBytes + inflateSlack(stripBytes);
      decodeChunk(bytes, layout.offsets[i], layout.counts[i], compression, dest, extra, budget, `strip ${i}`);
      if (predictor === 2) undoDifferencing(dest, rows, rowBytes, spp);
    }
  } else {
    const { tileWidth: tw, tileLength: th, across } = layout;
    const tileRow = tw * spp;
    const tile = new Uint8Array(th * tileRow);
    for (let i = 0; i < layout.offsets.length; i++) {
      const x0 = (i % across) * tw, y0 = Math.floor(i / across) * th;
      const extra = inflateSlack(tile.length);
      decodeChunk(bytes, layout.offsets[i], layout.counts[i], compression, tile, extra, budget, `tile ${i}`);
      if (predictor === 2) undoDifferencing(tile, th, tileRow, spp);
      const rows = Math.min(th, height - y0), cols = Math.min(tw, width - x0) * spp;
      for (let y = 0; y < rows; y++) {
        raw.set(tile.subarray(y * tileRow, y * tileRow + cols), (y0 + y) * rowBytes + x0 * spp);
      }
    }
  }
  return { width, height, data: toRgba(raw, width, height, spp, photometric!) };
}

/** Where the pixel data lies: strips or tiles, their offsets and byte counts. */
type Layout =
  & { offsets: number[]; counts: number[] }
  & ({ kind: "strips"; rowsPerStrip: number } | {
    kind: "tiles";
    tileWidth: number;
    tileLength: number;
    across: number;
  });

/**
 * The strip or tile geometry, checked against the image size before any offset is read: the
 * counts of StripOffsets/TileOffsets and of their byte counts must be what the geometry implies.
 */
function chunkLayout(dir: Directory, width: number, height: number, spp: number, compression: number): Layout {
  if (dir.has(322) || dir.has(323)) {
    const tw = dir.one(322), th = dir.one(323);
    if (!tw || !th) corrupt(`tiff: tiled image without TileWidth and TileLength; send a valid TIFF file`);
    const across = Math.ceil(width / tw!), down = Math.ceil(height / th!);
    const expected = across * down;
    const offsets = dir.entry(324), counts = dir.entry(325);
    if (!offsets || !counts) corrupt(`tiff: tile offsets or byte counts are missing; send a valid TIFF file`);
    if (offsets!.count !== expected || counts!.count !== expected) {
      corrupt(
        `tiff: ${offsets!.count} tile offsets and ${
          counts!.count
        } byte counts, but ${width}×${height} in ${tw}×${th} tiles takes ${expected}; the file is inconsistent, send a valid TIFF file`,
      );
    }
    if (tw! < MIN_TILE_SIDE || th! < MIN_TILE_SIDE) {
      tooMuchWork(
        `tiff: ${tw}×${th}-pixel tiles (${
          across * down
        } of them for ${width}×${height}) are smaller than the TIFF minimum of 16×16; re-save in strips or with larger tiles`,
      );
    }
    const covered = across * down * tw! * th!;
    if (covered > 4 * width * height + 256 * 256) {
      tooMuchWork(
        `tiff: ${tw}×${th}-pixel tiles cover ${covered} pixels for a ${width}×${height} image; re-save in strips or with smaller tiles`,
      );
    }
    return {
      kind: "tiles",
      tileWidth: tw!,
      tileLength: th!,
      across,
      offsets: dir.ints(324, expected)!,
      counts: dir.ints(325, expected)!,
    };
  }
  const declaredRps = dir.one(278) ?? height;
  if (declaredRps === 0) corrupt(`tiff: RowsPerStrip is 0; send a valid TIFF file`);
  const rowsPerStrip = Math.min(declaredRps, height);
  const expected = Math.ceil(height / rowsPerStrip);
  const offsets = dir.entry(273);
  if (!offsets) corrupt(`tiff: strip offsets are missing; send a valid TIFF file`);
  if (offsets!.count !== expected) {
    corrupt(
      `tiff: ${
        offsets!.count
      } strip offsets, but ${height} rows at ${rowsPerStrip} per strip take ${expected}; the file is inconsistent, send a valid TIFF file`,
    );
  }
  let counts: number[] | undefined;
  if (compression === 1 && expected === 1) {
    counts = [width * height * spp]; // one uncompressed strip: its size is known (StripByteCounts is often wrong)
  } else {
    const entry = dir.entry(279);
    if (!entry) corrupt(`tiff: strip byte counts are missing; send a valid TIFF file`);
    if (entry!.count !== expected) {
      corrupt(
        `tiff: ${
          entry!.count
        } strip byte counts for ${expected} strips; the file is inconsistent, send a valid TIFF file`,
      );
    }
    counts = dir.ints(279, expected);
  }
  return { kind: "strips", rowsPerStrip, offsets: dir.ints(273, expected)!, counts: counts! };
}

/**
 * Decodes one strip or tile into `dest` (its declared size); throws `too_much_work` when the data
 * would produce more than `dest.length + extra` bytes and `corrupt_image` when it holds less than
 * `dest.length`.
 */
function decodeChunk(
  bytes: Uint8Array,
  off: number,
  count: number,
  compression: number,
  dest: Uint8Array,
  extra: number,
  budget: InflateBudget,
  what: string,
): void {
  const src = bytes.subarray(off, off + count);
  let r: InflateResult;
  if (compression === 1) {
    dest.set(src.subarray(0, dest.length));
    r = { produced: src.length, stop: "end" };
  } else if (compression === 5) {
    r = decodeTiffLzw(src, dest, { extra });
  } else if (compression === 32773) {
    r = unpackBits(src, dest, extra);
  } else {
    try {
      r = inflate(src, dest, { zlib: true, extra, budget });
    } catch (e) {
      if (e instanceof InflateError && e.kind === "work") {
        return tooMuchWork(`tiff: ${what} is split into more compressed blocks than its size needs; re-save the image`);
      }
      if (e instanceof ImageDecodeError) throw e;
      return corrupt(`tiff: ${what} does not inflate (${(e as Error).message}); the file is damaged`);
    }
  }
  if (r.stop === "limit") {
    tooMuchWork(
      `tiff: ${what} decodes to more than ${
        dest.length + extra
      } bytes, but the header gives it ${dest.length}; send an unmodified TIFF`,
    );
  }
  if (r.produced < dest.length) {
    corrupt(`tiff: ${what} holds ${r.produced} of its ${dest.length} bytes; the file is truncated or damaged`);
  }
}

/**
 * PackBits (TIFF compression 32773) into `out`, bounded like {@link decodeTiffLzw}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 2 literal bytes, then "7" repeated 3 times
 * const out = new Uint8Array(5);
 * assert.deepEqual(unpackBits(new Uint8Array([1, 10, 20, 0xfe, 7]), out, 0), { produced: 5, stop: "end" });
 * assert.deepEqual(Array.from(out), [10, 20, 7, 7, 7]);
 * ```
 */
export function unpackBits(src: Uint8Array, out: Uint8Array, extra: number): InflateResult {
  const outLen = out.length, limit = outLen + extra, end = src.length;
  let i = 0, pos = 0;
  let stop: InflateResult["stop"] = "end";
  while (i < end) {
    const n = (src[i++] << 24) >> 24;
    if (n === -128) continue;
    const run = n >= 0 ? n + 1 : 1 - n;
    if (pos + run > limit) {
      stop = "limit", pos = limit;
      break;
    }
    if (n >= 0) {
      const avail = Math.min(run, end - i);
      if (pos < outLen) out.set(src.subarray(i, i + Math.min(avail, outLen - pos)), pos);
      i += avail, pos += avail;
      if (avail < run) stop = "input";
    } else {
      if (i >= end) {
        stop = "input";
        break;
      }
      if (pos < outLen) out.fill(src[i], pos, Math.min(outLen, pos + run));
      i++, pos += run;
    }
  }
  countWork("packBits", pos);
  return { produced: pos, stop };
}

/** Undoes horizontal differencing (predictor 2) on `rows` rows of 8-bit samples. */
function undoDifferencing(buf: Uint8Array, rows: number, rowBytes: number, spp: number): void {
  for (let y = 0; y < rows; y++) {
    const o = y * rowBytes;
    for (let j = o + spp, e = o + rowBytes; j < e; j++) buf[j] = (buf[j] + buf[j - spp]) & 255;
  }
}

/** 8-bit samples to RGBA, as utif2's toRGBA8 did for these layouts (grey + alpha shows opaque). */
function toRgba(raw: Uint8Array, width: number, height: number, spp: number, photometric: number): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * 4);
  if (photometric === 2) {
    for (let i = 0, s = 0, d = 0; i < n; i++, s += spp, d += 4) {
      out[d] = raw[s], out[d + 1] = raw[s + 1], out[d + 2] = raw[s + 2], out[d + 3] = spp === 4 ? raw[s + 3] : 255;
    }
  } else {
    const invert = photometric === 0 ? 255 : 0; // WhiteIsZero
    for (let i = 0, s = 0, d = 0; i < n; i++, s += spp, d += 4) {
      const v = invert ^ raw[s];
      out[d] = v, out[d + 1] = v, out[d + 2] = v, out[d + 3] = 255;
    }
  }
  return out;
}

/** Bytes per value of each TIFF field type (1 BYTE … 13 IFD). */
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};

/** One directory entry: its type, value count and where the values start. */
interface Entry {
  type: number;
  count: number;
  at: number;
}

/** The first image file directory, read lazily: values are read only when asked for. */
interface Directory {
  has(tag: number): boolean;
  entry(tag: number): Entry | undefined;
  /** The first `max` (at most) integer values of `tag`; `corrupt_image` for non-integer types. */
  ints(tag: number, max: number): number[] | undefined;
  /** The first value of `tag`, if any. */
  one(tag: number): number | undefined;
}

/**
 * Reads the first directory's entries. Every value stored out of line must lie inside the file
 * (otherwise `corrupt_image`); no value array is read here, so a tag claiming millions of values
 * costs nothing until a caller has checked its count.
 */
function readDirectory(bytes: Uint8Array): Directory {
  const r: ByteReader = byteReader(bytes, bytes[0] === 0x49, "tiff");
  const ifd = r.u32(4);
  const n = r.u16(ifd);
  r.need(ifd + 2, n * 12 + 4, "first image directory");
  const entries = new Map<number, Entry>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    const tag = r.u16(e), type = r.u16(e + 2), count = r.u32(e + 4);
    const size = (TYPE_SIZES[type] ?? 1) * count;
    const at = size > 4 ? r.u32(e + 8) : e + 8;
    if (size > 4) r.need(at, size, `values of tag ${tag}`);
    if (!entries.has(tag)) entries.set(tag, { type, count, at });
  }
  const ints = (tag: number, max: number): number[] | undefined => {
    const e = entries.get(tag);
    if (!e) return undefined;
    const read = e.type === 1 ? r.u8 : e.type === 3 ? r.u16 : e.type === 4 ? r.u32 : undefined;
    if (!read) corrupt(`tiff: tag ${tag} has type ${e.type}, not an integer type; send a valid TIFF file`);
    const size = TYPE_SIZES[e.type];
    const out: number[] = [];
    for (let k = 0; k < Math.min(e.count, max); k++) out.push(read!(e.at + k * size));
    return out;
  };
  return {
    has: (tag) => entries.has(tag),
    entry: (tag) => entries.get(tag),
    ints,
    one: (tag) => ints(tag, 1)?.[0],
  };
}
