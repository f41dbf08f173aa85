/**
 * Image dimensions read from headers only (no pixel data touched, nothing allocated in
 * proportion to the image), so the service can refuse oversized images before decoding.
 *
 * @module
 */
import type { ImageFormat } from "../preprocess/types.ts";
import { byteReader } from "./bytes.ts";
import { corrupt, ImageDecodeError, tooMuchWork, unsupported } from "./errors.ts";

/** Width and height in pixels, as the file's header announces them. */
export interface ImageHeader {
  width: number;
  height: number;
}

/** Largest side any decoder accepts (keeps width*height*4 far inside safe integers). */
export const MAX_SIDE = 1 << 16;

/**
 * Reads width and height from the header of a `format` file.
 * Throws {@link ImageDecodeError} (`corrupt_image` on garbage or truncation,
 * `unsupported_image` for valid variants no decoder here handles).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp");
 * const { width, height } = readImageHeader(bytes, "bmp");
 * assert.deepEqual([width, height], [450, 450]);
 * ```
 */
export function readImageHeader(bytes: Uint8Array, format: ImageFormat): ImageHeader {
  switch (format) {
    case "bmp": {
      const h = readBmpHeader(bytes);
      return { width: h.width, height: h.height };
    }
    case "png":
      return readPngHeader(bytes);
    case "jpeg": {
      const h = readJpegHeader(bytes);
      return { width: h.width, height: h.height };
    }
    case "tiff":
      return readTiffHeader(bytes);
    default:
      return unsupported(`unknown image format "${format as string}"; send BMP, PNG, JPEG or TIFF`);
  }
}

function checkSides(format: string, width: number, height: number): ImageHeader {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    corrupt(`${format}: header gives an impossible size ${width}×${height}; send a valid image`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new ImageDecodeError(
      "too_many_pixels",
      `${format}: ${width}×${height} pixels exceeds the ${MAX_SIDE}-pixel side limit; downscale the image`,
    );
  }
  return { width, height };
}

/** Parsed BMP headers: what the BMP decoder needs besides the size. */
export interface BmpHeader extends ImageHeader {
  /** Size of the DIB header: 40 (INFO), 52/56 (V2/V3), 108 (V4), 124 (V5). */
  headerSize: number;
  /** Rows stored top row first (negative height in the header). */
  topDown: boolean;
  bitsPerPixel: number;
  /** 0 BI_RGB, 3 BI_BITFIELDS, 6 BI_ALPHABITFIELDS. */
  compression: number;
  /** Offset of the pixel array from the start of the file. */
  pixelOffset: number;
  /** Palette entries announced (0 = 2^bitsPerPixel). */
  colorsUsed: number;
}

/**
 * Parses a Windows BMP's file header and DIB header (BITMAPINFOHEADER, V2-V5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = readBmpHeader(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp"));
 * assert.equal(h.bitsPerPixel, 24);
 * ```
 */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  const r = byteReader(bytes, true, "bmp");
  if (r.u8(0) !== 0x42 || r.u8(1) !== 0x4d) corrupt(`bmp: missing "BM" signature; send a Windows BMP file`);
  const pixelOffset = r.u32(10);
  const headerSize = r.u32(14);
  if (headerSize === 12 || headerSize === 64) {
    unsupported(`bmp: OS/2 bitmap headers (size ${headerSize}) are not supported; re-save as a Windows BMP`);
  }
  if (![40, 52, 56, 108, 124].includes(headerSize)) {
    corrupt(`bmp: unknown DIB header size ${headerSize}; send a valid BMP file`);
  }
  r.need(14, headerSize, "DIB header");
  const width = r.i32(18);
  const rawHeight = r.i32(22);
  const planes = r.u16(26);
  const bitsPerPixel = r.u16(28);
  const compression = r.u32(30);
  const colorsUsed = r.u32(46);
  if (planes !== 1) corrupt(`bmp: planes must be 1, header says ${planes}; send a valid BMP file`);
  if (rawHeight === -2147483648) corrupt(`bmp: impossible height; send a valid BMP file`);
  const { height } = checkSides("bmp", width, Math.abs(rawHeight));
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    unsupported(`bmp: ${bitsPerPixel} bits per pixel is not supported; save as 24-bit BMP or PNG`);
  }
  if (compression === 1 || compression === 2 || compression === 4 || compression === 5) {
    unsupported(
      `bmp: compressed BMP (RLE/JPEG/PNG, compression ${compression}) is not supported; save as uncompressed 24-bit BMP or PNG`,
    );
  }
  if (compression !== 0 && compression !== 3 && compression !== 6) {
    corrupt(`bmp: unknown compression ${compression}; send a valid BMP file`);
  }
  if (compression !== 0 && bitsPerPixel !== 16 && bitsPerPixel !== 32) {
    corrupt(`bmp: bit-field masks need 16 or 32 bits per pixel, header says ${bitsPerPixel}; send a valid BMP file`);
  }
  return { width, height, headerSize, topDown: rawHeight < 0, bitsPerPixel, compression, pixelOffset, colorsUsed };
}

/**
 * Width and height from a PNG's IHDR chunk (signature, chunk type and CRC are checked).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = readPngHeader(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"));
 * assert.deepEqual([h.width, h.height], [450, 450]);
 * ```
 */
export function readPngHeader(bytes: Uint8Array): ImageHeader {
  const r = byteReader(bytes, false, "png");
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  r.need(0, 33, "PNG signature and IHDR chunk");
  if (!sig.every((v, i) => bytes[i] === v)) corrupt(`png: bad signature; send a valid PNG file`);
  if (r.u32(8) !== 13 || r.u32(12) !== 0x49484452) {
    corrupt(`png: first chunk is not a 13-byte IHDR; send a valid PNG file`);
  }
  if (crc32(bytes.subarray(12, 29)) !== r.u32(29)) {
    corrupt(`png: IHDR checksum mismatch (file is damaged); send the original file`);
  }
  return checkSides("png", r.u32(16), r.u32(20));
}

/** What a JPEG's start-of-frame segment says. */
export interface JpegHeader extends ImageHeader {
  /** SOF marker number 0–15 (0 baseline, 1 extended, 2 progressive, 3 lossless, ≥9 arithmetic). */
  sof: number;
  /** Bits per sample (8 for almost every JPEG). */
  precision: number;
  /** Colour components: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** Sampling factors of each component (as far as the frame header holds them). */
  sampling: { h: number; v: number }[];
}

/**
 * Scans a JPEG's marker segments up to the first start-of-frame (SOFn) and reads it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = readJpegHeader(await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
 * assert.deepEqual([h.width, h.height, h.components], [224, 224, 3]);
 * ```
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  const r = byteReader(bytes, false, "jpeg");
  if (r.u8(0) !== 0xff || r.u8(1) !== 0xd8) corrupt(`jpeg: missing start-of-image marker; send a valid JPEG file`);
  let o = 2;
  for (;;) {
    if (r.u8(o) !== 0xff) corrupt(`jpeg: expected a marker at byte ${o}; the file is damaged`);
    while (r.u8(o) === 0xff) o++; // fill bytes
    const marker = r.u8(o++);
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) corrupt(`jpeg: no frame header before the image data; the file is damaged`);
    const length = r.u16(o);
    if (length < 2) corrupt(`jpeg: segment length ${length} at byte ${o}; the file is damaged`);
    r.need(o, length, "marker segment");
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 8) corrupt(`jpeg: frame header too short; the file is damaged`);
      const precision = r.u8(o + 2);
      const height = r.u16(o + 3);
      const width = r.u16(o + 5);
      const components = r.u8(o + 7);
      if (height === 0) unsupported(`jpeg: height given later in a DNL marker is not supported; re-save the JPEG`);
      checkSides("jpeg", width, height);
      const sampling = [];
      for (let i = 0; i < components && 8 + 3 * i + 2 <= length; i++) {
        const hv = r.u8(o + 8 + 3 * i + 1);
        sampling.push({ h: hv >> 4, v: hv & 15 });
      }
      return { width, height, sof: marker - 0xc0, precision, components, sampling };
    }
    o += length;
  }
}

/** Most scans a JPEG may have (progressive files from libjpeg/mozjpeg have 6–12). */
export const MAX_JPEG_SCANS = 100;

/** A Huffman table as a DHT segment defines it. */
export interface JpegHuffmanTable {
  /** Number of codes of each length 1–16. */
  counts: number[];
  /** Symbols in code order. */
  symbols: number[];
}

/** One scan: its header, the tables and restart interval in force, and where its data lies. */
export interface JpegScan {
  /** Indexes into {@link JpegStructure.frameComponents}. */
  components: number[];
  /** DC and AC table of each scan component (undefined: not defined before the scan). */
  dcTables: (JpegHuffmanTable | undefined)[];
  acTables: (JpegHuffmanTable | undefined)[];
  /** Spectral selection and successive approximation. */
  ss: number;
  se: number;
  ah: number;
  al: number;
  /** MCUs between restart markers (0: none). */
  restartInterval: number;
  /** Entropy-coded data: `[start, end)`, restart markers included. */
  start: number;
  end: number;
}

/** A JPEG's frame and scans, as {@link readJpegStructure} finds them. */
export interface JpegStructure extends JpegHeader {
  /** Frame components: identifier and sampling factors. */
  frameComponents: { id: number; h: number; v: number }[];
  scans: JpegScan[];
}

/**
 * Walks a whole JPEG: the frame header, Huffman tables, restart intervals and every scan (the
 * entropy-coded data is skipped, not decoded). Refuses with `too_much_work` as soon as it meets
 * more than `maxScans` scans: each scan makes the decoder pass over the frame again, so a few
 * hundred bytes of tiny progressive scans can cost seconds (issue 18: a 4096² file with 1,000
 * refinement scans took 21 s). Libjpeg's standard progressive scripts use 10 scans (6 for grey);
 * the report that first described this flood (Red Hat bug 1344214) found it "hard to imagine any
 * real-world application needing more than 100".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = readJpegStructure(await Deno.readFile("tests/fixtures/images/full_progressive.jpg"));
 * assert.equal(s.sof, 2);
 * assert.ok(s.scans.length > 1 && s.scans.length <= 12);
 * assert.equal(readJpegStructure(await Deno.readFile("tests/fixtures/images/full_baseline.jpg")).scans.length, 1);
 * ```
 */
export function readJpegStructure(bytes: Uint8Array, maxScans = MAX_JPEG_SCANS): JpegStructure {
  const header = readJpegHeader(bytes);
  const r = byteReader(bytes, false, "jpeg");
  const dc: (JpegHuffmanTable | undefined)[] = [], ac: (JpegHuffmanTable | undefined)[] = [];
  let components: { id: number; h: number; v: number }[] = [];
  const scans: JpegScan[] = [];
  let restartInterval = 0;
  let o = 2;
  while (o < bytes.length) {
    if (bytes[o] !== 0xff) corrupt(`jpeg: expected a marker at byte ${o}; the file is damaged`);
    while (o < bytes.length && bytes[o] === 0xff) o++; // fill bytes
    if (o >= bytes.length) break;
    const marker = bytes[o++];
    if (marker === 0xd9) break; // EOI
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (o + 2 > bytes.length) break; // cut off: what the scans hold is checked before decoding
    const length = r.u16(o);
    if (length < 2) corrupt(`jpeg: segment length ${length} at byte ${o}; the file is damaged`);
    r.need(o, length, "marker segment");
    const body = o + 2, next = o + length;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (components.length) corrupt(`jpeg: more than one frame header; send a standard JPEG`);
      const n = r.u8(body + 5);
      r.need(body + 6, 3 * n, "frame components");
      components = Array.from({ length: n }, (_, i) => {
        const hv = bytes[body + 6 + 3 * i + 1];
        return { id: bytes[body + 6 + 3 * i], h: hv >> 4, v: hv & 15 };
      });
    } else if (marker === 0xc4) {
      for (let t = body; t < next;) {
        r.need(t, 17, "Huffman table");
        const tc = bytes[t] >> 4, th = bytes[t] & 15;
        const counts = Array.from(bytes.subarray(t + 1, t + 17));
        const total = counts.reduce((a, b) => a + b, 0);
        if (tc > 1 || th > 3 || t + 17 + total > next) {
          corrupt(`jpeg: bad Huffman table definition at byte ${t}; the file is damaged`);
        }
        (tc === 0 ? dc : ac)[th] = { counts, symbols: Array.from(bytes.subarray(t + 17, t + 17 + total)) };
        t += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = r.u16(body);
    } else if (marker === 0xda) {
      if (!components.length) corrupt(`jpeg: no frame header before the image data; the file is damaged`);
      const ns = r.u8(body);
      if (ns < 1 || ns > 4 || length !== 6 + 2 * ns) corrupt(`jpeg: bad scan header at byte ${o}; the file is damaged`);
      const scan: JpegScan = {
        components: [],
        dcTables: [],
        acTables: [],
        ss: bytes[body + 1 + 2 * ns],
        se: bytes[body + 2 + 2 * ns],
        ah: bytes[body + 3 + 2 * ns] >> 4,
        al: bytes[body + 3 + 2 * ns] & 15,
        restartInterval,
        start: next,
        end: next,
      };
      for (let i = 0; i < ns; i++) {
        const id = bytes[body + 1 + 2 * i], tables = bytes[body + 2 + 2 * i];
        const index = components.findIndex((c) => c.id === id);
        if (index < 0) corrupt(`jpeg: scan uses component ${id}, which the frame does not have; the file is damaged`);
        scan.components.push(index);
        scan.dcTables.push(dc[tables >> 4]);
        scan.acTables.push(ac[tables & 15]);
      }
      if (scans.length === maxScans) {
        tooMuchWork(
          `jpeg: more than ${maxScans} scans (progressive JPEGs have about 10, and each scan is another pass over the image); re-save it as a baseline JPEG`,
        );
      }
      // the data runs to the first marker that is neither a stuffed 0xFF00 nor a restart marker
      let e = next;
      while (e < bytes.length) {
        if (bytes[e] === 0xff && e + 1 < bytes.length) {
          const m = bytes[e + 1];
          if (m !== 0 && (m < 0xd0 || m > 0xd7)) break;
          e += 2;
        } else e++;
      }
      scan.end = Math.min(e, bytes.length);
      scans.push(scan);
      o = scan.end;
      continue;
    }
    o = next;
  }
  return { ...header, frameComponents: components, scans };
}

/**
 * Width and height from a TIFF's first image file directory (tags 256 and 257).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = readTiffHeader(await Deno.readFile("tests/fixtures/images/variant_rgb_lzw.tif"));
 * assert.deepEqual([h.width, h.height], [157, 143]);
 * ```
 */
export function readTiffHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 8) corrupt(`tiff: file is truncated; send the complete image`);
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (!little && !(bytes[0] === 0x4d && bytes[1] === 0x4d)) {
    corrupt(`tiff: bad byte-order mark; send a valid TIFF file`);
  }
  const r = byteReader(bytes, little, "tiff");
  const magic = r.u16(2);
  if (magic === 43) unsupported(`tiff: BigTIFF is not supported; save as a classic TIFF or PNG`);
  if (magic !== 42) corrupt(`tiff: bad magic number ${magic}; send a valid TIFF file`);
  const ifd = r.u32(4);
  const count = r.u16(ifd);
  r.need(ifd + 2, count * 12, "first image directory");
  let width = -1, height = -1;
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    const tag = r.u16(e);
    if (tag !== 256 && tag !== 257) continue;
    const type = r.u16(e + 2);
    const value = type === 3
      ? r.u16(e + 8)
      : type === 4
      ? r.u32(e + 8)
      : corrupt(`tiff: image size tag has type ${type}; send a valid TIFF file`);
    if (tag === 256) width = value;
    else height = value;
  }
  if (width < 0 || height < 0) {
    corrupt(`tiff: first image directory has no ImageWidth/ImageLength; send a valid TIFF file`);
  }
  return checkSides("tiff", width, height);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 (ISO 3309, as PNG uses it) of `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
 * ```
 */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
