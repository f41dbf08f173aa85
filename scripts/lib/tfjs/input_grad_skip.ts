/**
 * A training-only shortcut shared by the backends' conv input-gradient kernels: tfjs's conv
 * gradient always computes the gradient with respect to the conv's input, even for the first
 * layer, whose input is the image and needs none.
 *
 * @module
 */

/** Input-channel counts whose input gradient is replaced by zeros. */
const skipped = new Set<number>();

/**
 * Declares the image's channel count (3) so that the input gradient of convs with that many input
 * channels becomes zeros (saves ~6% of a step). Do not use when input gradients matter (saliency
 * maps, adversarial examples) or when an inner conv has that many input channels. `null` clears it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * skipInputGradient(3);
 * assert.equal(isInputGradientSkipped(3), true);
 * assert.equal(isInputGradientSkipped(16), false);
 * skipInputGradient(null);
 * assert.equal(isInputGradientSkipped(3), false);
 * ```
 */
export function skipInputGradient(channels: number | null): void {
  skipped.clear();
  if (channels !== null) skipped.add(channels);
}

/**
 * Whether a conv with `inputChannels` input channels gets a zero input gradient.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { conv2dInputGrad } from "./wasm_kernels.ts";
 * await tf.setBackend("cpu");
 * // conv2dInputGrad (like the kernels) starts with
 * // `if (isInputGradientSkipped(inputShape[3])) return tf.zeros(inputShape);`
 * skipInputGradient(3);
 * const dx = conv2dInputGrad([1, 8, 8, 3], tf.ones([1, 8, 8, 4]), tf.ones([3, 3, 3, 4]), 1, "same");
 * assert.equal(tf.max(tf.abs(dx)).dataSync()[0], 0);
 * skipInputGradient(null);
 * ```
 */
export function isInputGradientSkipped(inputChannels: number): boolean {
  return skipped.has(inputChannels);
}
