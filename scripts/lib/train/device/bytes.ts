/**
 * Images as 8-bit values for the device data path, without tfjs: the conversion from float RGB
 * (the decoded and resized image, or one re-encoded on a feeder thread) and the 24-bit packing the
 * device cache (`image_cache.ts`) holds. Feeder threads import only this, not tfjs.
 *
 * @module
 */

/**
 * Float RGB in [0, 1] → 8-bit (rounded, clamped), e.g. a decoded and resized image before
 * `DeviceImageCache.fromBytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(toBytes(new Float32Array([0, 0.5, 1, 1.2, -0.1, 0.2])), new Uint8Array([0, 128, 255, 255, 0, 51]));
 * ```
 */
export function toBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return out;
}

/**
 * Packs 8-bit RGB pixels (`[r, g, b, r, g, b, …]`) into one 24-bit value per pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(packRgb(new Uint8Array([1, 2, 3, 255, 255, 255])), new Float32Array([65536 + 512 + 3, 16777215]));
 * ```
 */
export function packRgb(rgb: Uint8Array): Float32Array {
  if (rgb.length % 3 !== 0) throw new RangeError(`packRgb: ${rgb.length} values are not whole RGB pixels`);
  const out = new Float32Array(rgb.length / 3);
  for (let i = 0, p = 0; i < out.length; i++, p += 3) out[i] = rgb[p] * 65536 + rgb[p + 1] * 256 + rgb[p + 2];
  return out;
}
