/**
 * PNG bytes for report images: encoding RGBA pixels (imagescript's pure-JS encoder) and reading a
 * PNG's size from its signature and IHDR chunk (used to check what was written).
 *
 * @module
 */
import { encode } from "imagescript/png/src/png.mjs";
import type { RgbaImage } from "../../../model/core/mod.ts";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * Encodes 8-bit RGBA pixels as a PNG (deflate level 9 by default). Fully opaque images are stored
 * as RGB (colour type 2), which makes report files about a quarter smaller.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng } from "../../../model/core/mod.ts";
 * const png = encodeRgbaPng({ width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) });
 * assert.deepEqual([...decodePng(png).data], [255, 0, 0, 255]);
 * ```
 */
export function encodeRgbaPng(img: RgbaImage, level = 9): Uint8Array {
  const n = img.width * img.height;
  if (img.data.length !== n * 4 || img.width <= 0 || img.height <= 0) {
    throw new RangeError(`encodeRgbaPng: ${img.data.length} bytes do not match ${img.width}×${img.height} RGBA`);
  }
  let opaque = true;
  for (let i = 3; i < img.data.length && opaque; i += 4) opaque = img.data[i] === 255;
  if (!opaque) {
    return encode(img.data, { width: img.width, height: img.height, channels: 4, depth: 8, level, text: undefined });
  }
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = img.data[i * 4];
    rgb[i * 3 + 1] = img.data[i * 4 + 1];
    rgb[i * 3 + 2] = img.data[i * 4 + 2];
  }
  return encode(rgb, { width: img.width, height: img.height, channels: 3, depth: 8, level, text: undefined });
}

/**
 * Width and height of a PNG, read from its 8-byte signature and the IHDR chunk that must follow.
 * Throws when the bytes are not a PNG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // e.g. a report's roc_pr.png; here a committed fixture
 * const png = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 * assert.deepEqual(pngSize(png), { width: 450, height: 450 });
 * ```
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length < 24 || !SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error("not a PNG: bad signature");
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== "IHDR") throw new Error(`not a PNG: first chunk is ${JSON.stringify(type)}, not IHDR`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
