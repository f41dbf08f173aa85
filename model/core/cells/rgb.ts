/**
 * A decoded RGBA image → the core's float RGB image at the same size (no resize), what
 * `locateCells` takes so that its boxes are in the uploaded image's pixels.
 *
 * @module
 */
import type { FloatRgbImage, RgbaImage } from "../preprocess/types.ts";

/**
 * RGBA bytes → RGB in [0, 1], same width and height; alpha is dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = floatRgbOf({ width: 1, height: 1, data: new Uint8Array([255, 0, 51, 7]) });
 * assert.deepEqual([...img.data].map((v) => v.toFixed(1)), ["1.0", "0.0", "0.2"]);
 * ```
 */
export function floatRgbOf(img: RgbaImage): FloatRgbImage {
  const n = img.width * img.height;
  const data = new Float32Array(n * 3);
  const src = img.data;
  for (let p = 0, s = 0, d = 0; p < n; p++, s += 4, d += 3) {
    data[d] = src[s] / 255;
    data[d + 1] = src[s + 1] / 255;
    data[d + 2] = src[s + 2] / 255;
  }
  return { width: img.width, height: img.height, data };
}
