/**
 * An exponential moving average of the weights over the optimiser's steps (Polyak averaging, as
 * `tf.train.ExponentialMovingAverage` or timm's `ModelEmaV2` keep it). The trainer validates,
 * keeps and exports the average instead of the last step's weights: mid-schedule, while the
 * learning rate is still large, neighbouring epochs' weights answer a val block very differently
 * (all-v6's folds: val loss 0.12, 0.32, 0.21, 0.15 over four epochs), and a best-epoch pick then
 * selects a lucky epoch. The average moves slowly; its epochs can be compared.
 *
 * The average is normalised: after steps 1…t it is Σ dᵗ⁻ˢ·wₛ / Σ dᵗ⁻ˢ, so it carries no pull
 * towards the initial weights and equals w₁ after the first step.
 *
 * @module
 */

/** The running average and the sum of the weights it holds (Σ dᵗ⁻ˢ; 0 before the first step). */
export interface WeightAverage {
  weights: Float32Array;
  total: number;
}

/**
 * An empty average for `n` weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const avg = newWeightAverage(3);
 * assert.deepEqual([avg.weights, avg.total], [new Float32Array(3), 0]);
 * ```
 */
export function newWeightAverage(n: number): WeightAverage {
  return { weights: new Float32Array(n), total: 0 };
}

/**
 * The per-step decay whose average spans `epochs` epochs of `stepsPerEpoch` steps: a step's weight
 * falls by e after that many epochs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = averageDecay(2, 100); // a 2-epoch horizon at 100 steps per epoch
 * assert.ok(Math.abs(d ** 200 - Math.exp(-1)) < 1e-12); // a step counts e⁻¹ as much 200 steps later
 * assert.throws(() => averageDecay(0, 100), /horizon/);
 * ```
 */
export function averageDecay(epochs: number, stepsPerEpoch: number): number {
  if (!(epochs > 0) || !(stepsPerEpoch >= 1)) {
    throw new Error(`the averaging horizon must be > 0 epochs of ≥ 1 step (got ${epochs} × ${stepsPerEpoch})`);
  }
  return Math.exp(-1 / (epochs * stepsPerEpoch));
}

/**
 * Adds one step's weights to the average in place: avg ← avg + (w − avg) / S with S ← d·S + 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const avg = newWeightAverage(2);
 * averageIn(avg, new Float32Array([4, -2]), 0.5);
 * assert.deepEqual(Array.from(avg.weights), [4, -2]); // the first step: no pull towards zero
 * averageIn(avg, new Float32Array([1, 1]), 0.5);
 * // (0.5·[4, −2] + [1, 1]) / 1.5
 * assert.deepEqual(Array.from(avg.weights), [2, 0]);
 * assert.equal(avg.total, 1.5);
 * averageIn(avg, new Float32Array([2, 0]), 0); // decay 0: the average is the last step
 * assert.deepEqual(Array.from(avg.weights), [2, 0]);
 * assert.throws(() => averageIn(avg, new Float32Array(3), 0.5), /3 weights, the average has 2/);
 * ```
 */
export function averageIn(avg: WeightAverage, weights: Float32Array, decay: number): void {
  if (weights.length !== avg.weights.length) {
    throw new Error(`cannot average ${weights.length} weights, the average has ${avg.weights.length}`);
  }
  const total = decay * avg.total + 1;
  const a = 1 / total;
  const w = avg.weights;
  for (let i = 0; i < w.length; i++) w[i] += a * (weights[i] - w[i]);
  avg.total = total;
}
