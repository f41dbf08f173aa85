/**
 * Image format detection from the first bytes of a file.
 *
 * @module
 */
import type { ImageFormat } from "../preprocess/types.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The format announced by the file's magic bytes, or `null` when none matches:
 * BMP `BM`, PNG's 8-byte signature, JPEG `FF D8 FF`, TIFF `II*\0` (little-endian) or `MM\0*`.
 * Only the signature is checked; the decoders validate the rest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), "jpeg");
 * assert.equal(sniffFormat(new TextEncoder().encode("hello")), null);
 * ```
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  const b = bytes;
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 4 && b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) return "tiff";
  if (b.length >= 4 && b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a) return "tiff";
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return "bmp";
  return null;
}
