/**
 * Windows BMP decoder: BITMAPINFOHEADER and V2–V5 headers, bottom-up and top-down rows,
 * 1/4/8-bit palettes, 16/24/32-bit BI_RGB, 16/32-bit BI_BITFIELDS / BI_ALPHABITFIELDS.
 * Every offset is checked against the buffer before it is read.
 *
 * @module
 */
import type { RgbaImage } from "../preprocess/types.ts";
import { byteReader } from "./bytes.ts";
import { corrupt } from "./errors.ts";
import { readBmpHeader } from "./header.ts";

/**
 * Decodes a BMP file to 8-bit RGBA, rows top to bottom. 32-bit BI_RGB ignores the fourth byte
 * (alpha 255, as browsers do); an alpha mask (V3+ headers or BI_ALPHABITFIELDS) is honoured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = decodeBmp(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp"));
 * assert.equal(img.data.length, img.width * img.height * 4);
 * ```
 */
export function decodeBmp(bytes: Uint8Array): RgbaImage {
  const h = readBmpHeader(bytes);
  const r = byteReader(bytes, true, "bmp");
  const { width, height, bitsPerPixel: bpp } = h;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const rowBytes = Math.ceil((bpp * width) / 8);
  // Every row must be present; the last row may lack its padding.
  r.need(h.pixelOffset, stride * (height - 1) + rowBytes, "pixel array");
  const afterHeader = 14 + h.headerSize;

  const out = new Uint8Array(width * height * 4);
  const rowStart = (y: number) => h.pixelOffset + (h.topDown ? y : height - 1 - y) * stride;

  if (bpp <= 8) {
    const palette = readPalette(bytes, afterHeader, h.colorsUsed, bpp, h.pixelOffset);
    const entries = palette.length / 4;
    const perByte = 8 / bpp;
    const mask = (1 << bpp) - 1;
    for (let y = 0; y < height; y++) {
      const s = rowStart(y);
      let d = y * width * 4;
      for (let x = 0; x < width; x++, d += 4) {
        const byte = bytes[s + Math.floor(x / perByte)];
        const idx = bpp === 8 ? byte : (byte >> (8 - bpp * (1 + (x % perByte)))) & mask;
        if (idx >= entries) {
          corrupt(`bmp: pixel uses colour ${idx} but the palette has ${entries} entries; send a valid BMP file`);
        }
        out[d] = palette[idx * 4];
        out[d + 1] = palette[idx * 4 + 1];
        out[d + 2] = palette[idx * 4 + 2];
        out[d + 3] = 255;
      }
    }
    return { width, height, data: out };
  }

  if (bpp === 24) {
    for (let y = 0; y < height; y++) {
      let s = rowStart(y);
      let d = y * width * 4;
      for (let x = 0; x < width; x++, s += 3, d += 4) {
        out[d] = bytes[s + 2];
        out[d + 1] = bytes[s + 1];
        out[d + 2] = bytes[s];
        out[d + 3] = 255;
      }
    }
    return { width, height, data: out };
  }

  // 16 or 32 bits: channel masks.
  const masks = readMasks(h, r, afterHeader);
  const ch = masks.map(maskShape);
  const bytesPer = bpp / 8;
  for (let y = 0; y < height; y++) {
    let s = rowStart(y);
    let d = y * width * 4;
    for (let x = 0; x < width; x++, s += bytesPer, d += 4) {
      const v = bpp === 32
        ? (bytes[s] | (bytes[s + 1] << 8) | (bytes[s + 2] << 16) | (bytes[s + 3] << 24)) >>> 0
        : bytes[s] | (bytes[s + 1] << 8);
      out[d] = ch[0].read(v);
      out[d + 1] = ch[1].read(v);
      out[d + 2] = ch[2].read(v);
      out[d + 3] = ch[3].bits === 0 ? 255 : ch[3].read(v);
    }
  }
  return { width, height, data: out };
}

/** Palette as RGBA quadruples (BMP stores B,G,R,reserved). */
function readPalette(
  bytes: Uint8Array,
  start: number,
  colorsUsed: number,
  bpp: number,
  pixelOffset: number,
): Uint8Array {
  const max = 1 << bpp;
  const announced = colorsUsed === 0 ? max : colorsUsed;
  if (announced > max) corrupt(`bmp: palette of ${announced} colours for ${bpp}-bit pixels; send a valid BMP file`);
  // Some writers announce a full palette but store fewer entries before the pixels: read what fits.
  const fits = Math.floor((Math.min(pixelOffset, bytes.length) - start) / 4);
  const n = Math.min(announced, fits);
  if (n <= 0) corrupt(`bmp: ${bpp}-bit image has no palette; send a valid BMP file`);
  const pal = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const o = start + i * 4;
    pal[i * 4] = bytes[o + 2];
    pal[i * 4 + 1] = bytes[o + 1];
    pal[i * 4 + 2] = bytes[o];
    pal[i * 4 + 3] = 255;
  }
  return pal;
}

/** [R, G, B, A] masks for 16/32-bit pixels. */
function readMasks(
  h: ReturnType<typeof readBmpHeader>,
  r: ReturnType<typeof byteReader>,
  afterHeader: number,
): number[] {
  if (h.compression === 0) {
    return h.bitsPerPixel === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0x00ff0000, 0x0000ff00, 0x000000ff, 0];
  }
  if (h.headerSize === 40) {
    // Masks follow the 40-byte header: three (BI_BITFIELDS) or four (BI_ALPHABITFIELDS).
    const alpha = h.compression === 6 ? r.u32(afterHeader + 12) : 0;
    return [r.u32(afterHeader), r.u32(afterHeader + 4), r.u32(afterHeader + 8), alpha];
  }
  // V2+ headers hold the masks at offsets 40..55 of the DIB header (alpha from V3 on).
  const alpha = h.headerSize >= 56 ? r.u32(14 + 52) : 0;
  return [r.u32(14 + 40), r.u32(14 + 44), r.u32(14 + 48), alpha];
}

interface Channel {
  bits: number;
  read(v: number): number;
}

/** Turns a contiguous bit mask into an 8-bit extractor (values scaled to 0..255, rounded). */
function maskShape(mask: number): Channel {
  if (mask === 0) return { bits: 0, read: () => 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  if ((mask >>> 0) !== ((2 ** bits - 1) * 2 ** shift)) {
    corrupt(`bmp: colour mask 0x${(mask >>> 0).toString(16)} is not contiguous; send a valid BMP file`);
  }
  const max = 2 ** bits - 1;
  if (bits === 8) return { bits, read: (v) => (v >>> shift) & 0xff };
  return { bits, read: (v) => Math.round((((v >>> shift) & max) * 255) / max) };
}
