/**
 * Decoded training images kept on the tfjs backend (the GPU's memory on webgpu) as 8-bit values, so
 * that a training step uploads only indices and augmentation parameters, never pixels.
 *
 * tfjs has no uint8 tensors, so each pixel's three 8-bit values travel as one 24-bit integer held
 * in a float32 (`R·2¹⁶ + G·2⁸ + B`, exact below 2²⁴): 4 bytes per pixel instead of the 12 of
 * float32 RGB. Unpacking multiplies by powers of two and floors, which is exact on every backend
 * (a GPU's division need not be correctly rounded; a multiplication by 2⁻⁸ is).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { packRgb } from "./bytes.ts";

/**
 * [n, h, w] packed pixels → [n, h, w, 3] RGB in [0, 1] (value / 255), on the backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { packRgb } from "./bytes.ts";
 * await tf.setBackend("cpu");
 * const packed = tf.tensor3d(packRgb(new Uint8Array([255, 0, 51])), [1, 1, 1]);
 * assert.deepEqual(Array.from(unpackRgb(packed).dataSync(), (v) => Math.round(v * 255)), [255, 0, 51]);
 * ```
 */
export function unpackRgb(packed: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const r = tf.floor(tf.mul(packed, 1 / 65536));
    const rest = tf.sub(packed, tf.mul(r, 65536));
    const g = tf.floor(tf.mul(rest, 1 / 256));
    const b = tf.sub(rest, tf.mul(g, 256));
    return tf.mul(tf.stack([r, g, b], 3), 1 / 255) as tf.Tensor4D;
  });
}

/**
 * Every training, validation and test image of a run, resident on the backend: built once per
 * replica from the decoded images ({@link DeviceImageCache.fromBytes}); batches come from
 * {@link DeviceImageCache.batch}; {@link DeviceImageCache.dispose} frees the memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const cache = DeviceImageCache.fromBytes(new Uint8Array(3 * 2 * 2 * 3).map((_, i) => i), 2); // three 2×2 images
 * const batch = cache.batch([2, 0]);
 * assert.deepEqual(batch.shape, [2, 2, 2, 3]);
 * assert.equal(Math.round(batch.dataSync()[0] * 255), 24); // image 2's first value
 * assert.equal(cache.bytes, 3 * 2 * 2 * 4);
 * batch.dispose();
 * cache.dispose();
 * ```
 */
export class DeviceImageCache {
  /** Bytes the cache holds on the backend. */
  readonly bytes: number;

  private constructor(private readonly packed: tf.Tensor2D, readonly count: number, readonly size: number) {
    this.bytes = count * size * size * 4;
  }

  /** The images in `rgb` (8-bit RGB of `size`×`size` images back to back) uploaded to the backend. */
  static fromBytes(rgb: Uint8Array, size: number): DeviceImageCache {
    const per = size * size * 3;
    const count = rgb.length / per;
    if (!(Number.isInteger(size) && size > 0 && Number.isInteger(count) && count > 0)) {
      throw new RangeError(`DeviceImageCache: ${rgb.length} bytes are not whole ${size}×${size} RGB images`);
    }
    return new DeviceImageCache(tf.tensor2d(packRgb(rgb), [count, size * size]), count, size);
  }

  /**
   * The images at `indices` as [n, size, size, 3] RGB in [0, 1], followed by the `extra` images
   * given as 8-bit RGB (e.g. re-encoded at the source's resolution on the host), in one tensor:
   * position k of the result is `indices[k]` for k < indices.length, else extra image
   * k − indices.length.
   */
  batch(indices: readonly number[], extra?: Uint8Array): tf.Tensor4D {
    for (const i of indices) {
      if (!(Number.isInteger(i) && i >= 0 && i < this.count)) {
        throw new RangeError(`DeviceImageCache.batch: image ${i} is outside 0…${this.count - 1}`);
      }
    }
    const s = this.size;
    return tf.tidy(() => {
      let rows = tf.gather(this.packed, tf.tensor1d(Int32Array.from(indices), "int32"));
      if (extra && extra.length > 0) {
        const k = extra.length / (s * s * 3);
        if (!Number.isInteger(k)) {
          throw new RangeError(`DeviceImageCache.batch: ${extra.length} extra bytes are not whole images`);
        }
        rows = tf.concat([rows, tf.tensor2d(packRgb(extra), [k, s * s])]);
      }
      return unpackRgb(tf.reshape(rows, [rows.shape[0], s, s]) as tf.Tensor3D);
    });
  }

  /** Frees the backend memory. */
  dispose(): void {
    this.packed.dispose();
  }
}
