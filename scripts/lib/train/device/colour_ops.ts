/**
 * Per-image colour statistics of an NHWC batch on the tfjs backend, shared by the device path's
 * augmentation (a zoom-out's background) and normalisation (white balance).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { LUMA_WEIGHTS } from "../../../../model/core/mod.ts";

/**
 * BT.601 luma of a [B, H, W, 3] batch, [B, H, W, 1], summed in the core's order (r, then g, then b).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const y = lumaBatch(tf.tensor4d([1, 0, 0, 1, 1, 1], [1, 1, 2, 3]));
 * assert.deepEqual(Array.from(y.dataSync()).map((v) => v.toFixed(3)), ["0.299", "1.000"]);
 * ```
 */
export function lumaBatch(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [r, g, b] = tf.split(x, 3, 3);
    return tf.add(tf.add(tf.mul(r, LUMA_WEIGHTS[0]), tf.mul(g, LUMA_WEIGHTS[1])), tf.mul(b, LUMA_WEIGHTS[2]));
  });
}

/**
 * Each image's mean colour over its pixels whose `key` ([B, H·W], e.g. luma) is at least its
 * `count`-th largest key (ties at the cut included): [B, 1, 1, 3].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const x = tf.tensor4d([0.9, 0.8, 0.7, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5], [1, 1, 3, 3]);
 * const key = tf.tensor2d([3, 1, 2], [1, 3]);
 * assert.deepEqual(Array.from(meanOfBrightest(x, key, 2).dataSync()).map((v) => v.toFixed(2)), ["0.70", "0.65", "0.60"]);
 * ```
 */
export function meanOfBrightest(x: tf.Tensor4D, key: tf.Tensor2D, count: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  return tf.tidy(() => {
    const cut = tf.min(tf.topk(key, count).values, 1, true); // [B, 1]
    // a 0/1 mask by tf.where, not a cast of the bool: in tfjs-webgpu 4.22 a bool tensor cast to
    // float32 and summed over middle axes makes a transpose shader that does not compile
    const mask = tf.reshape(tf.where(tf.greaterEqual(key, cut), tf.onesLike(key), tf.zerosLike(key)), [n, h, w, 1]);
    return tf.div(tf.sum(tf.mul(x, mask), [1, 2], true), tf.sum(mask, [1, 2], true)) as tf.Tensor4D;
  });
}
