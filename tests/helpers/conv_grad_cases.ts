/**
 * Conv shapes on which the training-kernel tests (wasm and webgpu) check gradients against the cpu
 * backend: strides 1–3, "same" and "valid", odd sizes, 1×1 and 5×5 filters.
 *
 * @module
 */

/** One conv: input and filter shape (NHWC / HWIO), stride, padding. */
export interface ConvGradCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  s: number;
  pad: "same" | "valid";
}

/**
 * The cases.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * for (const c of CONV_GRAD_CASES) {
 *   const y = tf.tidy(() => tf.conv2d(tf.ones(c.x) as tf.Tensor4D, tf.ones(c.w) as tf.Tensor4D, c.s, c.pad));
 *   assert.equal(y.shape[3], c.w[3]);
 *   y.dispose();
 * }
 * ```
 */
export const CONV_GRAD_CASES: readonly ConvGradCase[] = [
  { x: [2, 7, 7, 3], w: [3, 3, 3, 4], s: 1, pad: "same" },
  { x: [2, 9, 9, 4], w: [3, 3, 4, 8], s: 2, pad: "same" }, // stride 2 'same', odd size
  { x: [1, 8, 8, 4], w: [3, 3, 4, 8], s: 2, pad: "same" },
  { x: [2, 9, 11, 3], w: [3, 3, 3, 5], s: 2, pad: "valid" },
  { x: [1, 6, 6, 2], w: [1, 1, 2, 3], s: 1, pad: "valid" },
  { x: [1, 7, 7, 2], w: [1, 1, 2, 3], s: 2, pad: "same" },
  { x: [2, 15, 15, 4], w: [5, 5, 4, 4], s: 3, pad: "same" },
  { x: [3, 4, 4, 8], w: [3, 3, 8, 8], s: 2, pad: "valid" },
  { x: [2, 6, 7, 14], w: [3, 3, 14, 21], s: 1, pad: "same" }, // several channel tiles, with tails
];

/**
 * Two layer-sized cases for the webgpu split-reduction kernel: a first layer (many reduction terms
 * per weight, many chunks) and a wide filter (few chunks). Slow on the cpu backend's composed path,
 * so only the webgpu test adds them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const cases = [...CONV_GRAD_CASES, ...LAYER_SIZED_CASES]; // the webgpu test's list
 * assert.ok(cases.every((c) => c.x[3] === c.w[2])); // filter input channels match the input's
 * ```
 */
export const LAYER_SIZED_CASES: readonly ConvGradCase[] = [
  { x: [16, 48, 48, 3], w: [3, 3, 3, 16], s: 2, pad: "same" },
  { x: [8, 12, 12, 64], w: [3, 3, 64, 64], s: 1, pad: "same" },
];
