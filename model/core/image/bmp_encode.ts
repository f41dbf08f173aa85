/**
 * A minimal BMP writer (BITMAPINFOHEADER, BI_RGB, 24 or 32 bit, bottom-up or top-down): the one
 * place that builds BMP bytes for warm-up requests, tests and fixtures.
 *
 * @module
 */
import type { RgbaImage } from "../preprocess/types.ts";

/** Options of {@link encodeBmp}. */
export interface BmpEncodeOptions {
  /** 24 (alpha dropped) or 32 (BGRA, alpha kept in the fourth byte). Default 24. */
  bpp?: 24 | 32;
  /** Rows top to bottom (negative height) instead of the usual bottom-up. Default false. */
  topDown?: boolean;
}

/**
 * Encodes 8-bit RGBA pixels as an uncompressed BMP.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]) };
 * assert.equal(encodeBmp(img).length, 54 + 8); // one row of 6 bytes padded to 8
 * ```
 */
export function encodeBmp(img: RgbaImage, opts: BmpEncodeOptions = {}): Uint8Array<ArrayBuffer> {
  const bpp = opts.bpp ?? 24;
  const { width, height, data } = img;
  if (data.length !== width * height * 4) {
    throw new RangeError(`encodeBmp: ${data.length} bytes do not match ${width}×${height} RGBA`);
  }
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const bytes = new Uint8Array(54 + stride * height);
  const v = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  v.setUint32(2, bytes.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, opts.topDown ? -height : height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, bpp, true);
  v.setUint32(34, stride * height, true);
  const step = bpp / 8;
  for (let y = 0; y < height; y++) {
    const row = 54 + (opts.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4, p = row + x * step;
      bytes[p] = data[s + 2];
      bytes[p + 1] = data[s + 1];
      bytes[p + 2] = data[s];
      if (step === 4) bytes[p + 3] = data[s + 3];
    }
  }
  return bytes;
}
