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
 * skipInputGradient(3);
 * isInputGradientSkipped(3); // true
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
 * if (isInputGradientSkipped(inputShape[3])) return tf.zeros(inputShape);
 * ```
 */
export function isInputGradientSkipped(inputChannels: number): boolean {
  return skipped.has(inputChannels);
}
