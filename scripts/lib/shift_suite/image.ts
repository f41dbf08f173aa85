/**
 * Small pixel helpers shared by the evaluation shift families: checking an 8-bit RGBA image,
 * rounding a [0, 1] value to a byte as an image editor saves it, and per-channel look-up tables.
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";

/**
 * Throws a RangeError naming `who` unless `img` is a non-empty RGBA image whose buffer matches its size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assertRgba({ width: 1, height: 1, data: new Uint8Array(4) }, "demo");
 * assert.throws(() => assertRgba({ width: 2, height: 1, data: new Uint8Array(4) }, "demo"), /demo/);
 * ```
 */
export function assertRgba(img: RgbaImage, who: string): void {
  const n = img.width * img.height * 4;
  if (!(Number.isInteger(img.width) && Number.isInteger(img.height) && img.width > 0 && img.height > 0)) {
    throw new RangeError(`${who}: width and height must be positive integers, got ${img.width}×${img.height}`);
  }
  if (img.data.length !== n) {
    throw new RangeError(`${who}: expected ${img.width}×${img.height} RGBA (${n} bytes), got ${img.data.length} bytes`);
  }
}

/**
 * A [0, 1] value as the nearest 8-bit level, clamped to 0–255 (NaN → 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([toByte(0.5), toByte(-0.1), toByte(1.2), toByte(200 / 255)], [128, 0, 255, 200]);
 * ```
 */
export function toByte(v: number): number {
  const x = Math.round(v * 255);
  return x > 255 ? 255 : x > 0 ? x : 0;
}

/**
 * A copy of `img` (same size, its own buffer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) };
 * const copy = copyImage(img);
 * copy.data[0] = 9;
 * assert.equal(img.data[0], 1);
 * ```
 */
export function copyImage(img: RgbaImage): RgbaImage {
  return { width: img.width, height: img.height, data: new Uint8Array(img.data) };
}

/**
 * Maps each colour channel through its own 256-entry table (alpha is kept); returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const invert = Uint8Array.from({ length: 256 }, (_, v) => 255 - v);
 * const same = Uint8Array.from({ length: 256 }, (_, v) => v);
 * const img = { width: 1, height: 1, data: new Uint8Array([10, 20, 30, 40]) };
 * assert.deepEqual([...mapChannels(img, [invert, same, same]).data], [245, 20, 30, 40]);
 * ```
 */
export function mapChannels(img: RgbaImage, luts: readonly [Uint8Array, Uint8Array, Uint8Array]): RgbaImage {
  const src = img.data;
  const out = new Uint8Array(src.length);
  const [lr, lg, lb] = luts;
  for (let i = 0; i < src.length; i += 4) {
    out[i] = lr[src[i]];
    out[i + 1] = lg[src[i + 1]];
    out[i + 2] = lb[src[i + 2]];
    out[i + 3] = src[i + 3];
  }
  return { width: img.width, height: img.height, data: out };
}
