/**
 * Test helper: reference convolution gradients from tfjs's own kernels, for the wasm and SIMD
 * training-kernel tests (`scripts/lib/tfjs/*_test.ts`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ConvGradCase } from "./conv_grad_cases.ts";

/**
 * Reference gradients of sum((conv(x, w) * up)) from tfjs's own kernels on the current backend,
 * with the seeded `x`, `w` and `up` they came from (same seeds → same tensors on every backend).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { CONV_GRAD_CASES } from "./conv_grad_cases.ts";
 * await tf.setBackend("cpu");
 * const r = reference(CONV_GRAD_CASES[0]);
 * assert.equal(r.dw.length, 3 * 3 * 3 * 4);
 * assert.equal(r.dx.length, 2 * 7 * 7 * 3);
 * tf.dispose([r.x, r.w, r.up]);
 * ```
 */
export function reference(
  c: ConvGradCase,
): { dx: number[]; dw: number[]; x: tf.Tensor4D; w: tf.Tensor4D; up: tf.Tensor4D } {
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 1, "float32", 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.s, c.pad);
  const up = tf.randomNormal(y.shape, 0, 1, "float32", 3) as tf.Tensor4D;
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), up))
  )([x, w]);
  return { dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync()), x, w, up };
}
