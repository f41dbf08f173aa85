/**
 * The one entry point for turning uploaded bytes into pixels: sniff the format, read the header,
 * enforce size limits before any pixel allocation, decode, and check the result.
 *
 * @module
 */
import type { ImageFormat, RgbaImage } from "../preprocess/types.ts";
import { decodeBmp } from "./bmp.ts";
import { corrupt, ImageDecodeError } from "./errors.ts";
import { readImageHeader } from "./header.ts";
import { decodeJpeg } from "./jpeg.ts";
import { decodePng } from "./png.ts";
import { sniffFormat } from "./sniff.ts";
import { decodeTiff } from "./tiff.ts";

export { ImageDecodeError } from "./errors.ts";
export type { ImageErrorCode } from "./errors.ts";

/** A decoded image and the container it came from. */
export type DecodedImage = RgbaImage & { format: ImageFormat };

/** Limits and hints for {@link decodeImage}. */
export interface DecodeOptions {
  /** Expected format (e.g. from Content-Type); the bytes must agree. Default: sniffed. */
  format?: ImageFormat;
  /** Largest width×height accepted. Default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
  /** Smallest side accepted, in pixels. Default {@link DEFAULT_MIN_SIDE}. */
  minSide?: number;
}

/** Default pixel limit: 4096×4096. */
export const DEFAULT_MAX_PIXELS = 4096 * 4096;
/** Default smallest side. */
export const DEFAULT_MIN_SIDE = 8;

/**
 * Decodes BMP, PNG, JPEG or TIFF bytes to 8-bit RGBA. Sizes are checked from the header before
 * decoding (`too_many_pixels`, `too_small`); undecodable input throws {@link ImageDecodeError}
 * with `corrupt_image` or `unsupported_image`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp");
 * const img = await decodeImage(bytes, { maxPixels: 1_000_000 });
 * assert.deepEqual([img.format, img.width, img.height], ["bmp", 450, 450]);
 * ```
 */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const minSide = opts.minSide ?? DEFAULT_MIN_SIDE;
  const sniffed = sniffFormat(bytes);
  if (opts.format && sniffed && sniffed !== opts.format) {
    corrupt(`image declared as ${opts.format} but its bytes are ${sniffed}; send the file with its correct type`);
  }
  const format = opts.format ?? sniffed;
  if (!format && isSignaturePrefix(bytes)) {
    corrupt(`image is only ${bytes.length} bytes, cut off inside its signature; send the complete file`);
  }
  if (!format) {
    throw new ImageDecodeError(
      "unsupported_image",
      `not a BMP, PNG, JPEG or TIFF file (unrecognised first bytes${
        bytes.length === 0 ? "; the body is empty" : ""
      }); send one of those formats`,
    );
  }
  const header = readImageHeader(bytes, format);
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    throw new ImageDecodeError(
      "too_many_pixels",
      `image is ${header.width}×${header.height} = ${pixels} pixels, more than the limit of ${maxPixels}; downscale it first`,
    );
  }
  if (Math.min(header.width, header.height) < minSide) {
    throw new ImageDecodeError(
      "too_small",
      `image is ${header.width}×${header.height}; both sides must be at least ${minSide} pixels`,
    );
  }
  const img = await decodeAs(bytes, format);
  if (img.width !== header.width || img.height !== header.height || img.data.length !== img.width * img.height * 4) {
    corrupt(
      `${format}: decoded ${img.width}×${img.height} but the header says ${header.width}×${header.height}; the file is damaged`,
    );
  }
  return { width: img.width, height: img.height, data: img.data, format };
}

const SIGNATURES = [
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [0xff, 0xd8, 0xff],
  [0x49, 0x49, 0x2a, 0x00],
  [0x4d, 0x4d, 0x00, 0x2a],
  [0x42, 0x4d],
];

/** A non-empty file shorter than a signature that it starts like (a truncated upload). */
function isSignaturePrefix(bytes: Uint8Array): boolean {
  return bytes.length > 0 &&
    SIGNATURES.some((sig) => bytes.length < sig.length && Array.from(bytes).every((b, i) => b === sig[i]));
}

function decodeAs(bytes: Uint8Array, format: ImageFormat): RgbaImage | Promise<RgbaImage> {
  switch (format) {
    case "bmp":
      return decodeBmp(bytes);
    case "png":
      return decodePng(bytes);
    case "jpeg":
      return decodeJpeg(bytes);
    case "tiff":
      return decodeTiff(bytes);
  }
}
