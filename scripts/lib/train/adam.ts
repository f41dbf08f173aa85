/**
 * Adam (with optional decoupled weight decay) on one flat Float32Array of parameters. Runs on the
 * main thread in plain JS, so every replica receives bit-identical weights.
 *
 * @module
 */

/** Optimiser state; `m` and `v` have the parameters' length. */
export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  /** Steps taken. */
  t: number;
}

/** Hyper-parameters of one {@link adamStep}. */
export interface AdamParams {
  lr: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW), applied where `decayMask` is 1. */
  weightDecay?: number;
  /**
   * Per-parameter factor on the learning rate (and the decay), e.g. 0.1 for a pretrained backbone
   * under a new head; where it is 0 the parameter and its moments are left as they are (frozen).
   */
  lrScale?: Float32Array;
}

/**
 * Fresh state for `n` parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const weights = new Float32Array([1, 2, 3]);
 * const state = newAdamState(weights.length);
 * assert.deepEqual([state.m, state.v, state.t], [new Float32Array(3), new Float32Array(3), 0]);
 * ```
 */
export function newAdamState(n: number): AdamState {
  return { m: new Float32Array(n), v: new Float32Array(n), t: 0 };
}

/**
 * One in-place update of `params[i]` for every i with `trainMask[i] === 1` using `grads[i]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // minimise w² for two weights; the second one is frozen
 * const weights = new Float32Array([1, 1]);
 * const state = newAdamState(2);
 * const trainMask = new Uint8Array([1, 0]), decayMask = new Uint8Array([1, 0]);
 * const grads = weights.map((w) => 2 * w);
 * adamStep(weights, grads, state, { lr: 1e-3 }, trainMask, decayMask);
 * assert.equal(weights[0].toFixed(4), "0.9990"); // Adam's first step is lr against the gradient's sign
 * assert.equal(weights[1], 1);
 * // a per-parameter factor: 0 freezes, 0.5 halves the step
 * const w2 = new Float32Array([1, 1]);
 * adamStep(w2, w2.map((w) => 2 * w), newAdamState(2), { lr: 1e-3, lrScale: new Float32Array([0, 0.5]) }, new Uint8Array([1, 1]));
 * assert.deepEqual([w2[0], w2[1].toFixed(4)], [1, "0.9995"]);
 * ```
 */
export function adamStep(
  params: Float32Array,
  grads: Float32Array,
  state: AdamState,
  hp: AdamParams,
  trainMask: Uint8Array,
  decayMask?: Uint8Array,
): void {
  const b1 = hp.beta1 ?? 0.9, b2 = hp.beta2 ?? 0.999, eps = hp.epsilon ?? 1e-7, wd = hp.weightDecay ?? 0;
  state.t++;
  const c1 = 1 - Math.pow(b1, state.t), c2 = 1 - Math.pow(b2, state.t);
  const stepSize = hp.lr * Math.sqrt(c2) / c1;
  const { m, v } = state;
  const scale = hp.lrScale;
  if (scale && scale.length !== params.length) {
    throw new RangeError(`adamStep: lrScale has ${scale.length} factors for ${params.length} parameters`);
  }
  for (let i = 0; i < params.length; i++) {
    if (trainMask[i] === 0) continue;
    const f = scale ? scale[i] : 1;
    if (f === 0) continue;
    const g = grads[i];
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    let p = params[i] - f * stepSize * m[i] / (Math.sqrt(v[i]) + eps);
    if (wd > 0 && decayMask && decayMask[i] === 1) p -= f * hp.lr * wd * params[i];
    params[i] = p;
  }
}

/**
 * Learning rate at fractional epoch `e`: linear warm-up for `warmup` epochs, then cosine decay to
 * `minFactor`·lr at `total` epochs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cosineLr(1e-3, 0.5, 40, 1), 5e-4); // half-way through warm-up
 * assert.ok(cosineLr(1e-3, 39, 40, 1) < 1e-4); // near the end: close to lr · minFactor
 * ```
 */
export function cosineLr(lr: number, e: number, total: number, warmup = 1, minFactor = 0.02): number {
  if (e < warmup) return lr * Math.max(e, 0.02) / warmup;
  const p = Math.min(1, (e - warmup) / Math.max(1e-9, total - warmup));
  return lr * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * p)));
}
