/**
 * Mixup (Zhang et al., 2018, "mixup: Beyond Empirical Risk Minimization"): each training image is
 * blended with a partner drawn from the same batch, `x = λ·x_i + (1 − λ)·x_partner`, and its targets
 * the same way. λ is drawn from Beta(α, α) and folded to `max(λ, 1 − λ)`, so every blend is led by
 * its own image (the "correct" count of a step stays that image's). The plan is pure; the worker
 * applies it to its batch tensors.
 *
 * Training only: no evaluation or serving code uses it.
 *
 * @module
 */
import type { Rng } from "./rng.ts";

/** One step's mixup: the blend weight of each sample's own image and its partner's index. */
export interface MixupPlan {
  /** λ per sample, in [0.5, 1]: the share of the sample's own image and targets. */
  lambda: Float32Array;
  /** The partner of each sample: an index into the same batch (a random permutation). */
  partner: Int32Array;
}

/**
 * A Gamma(shape, 1) draw (Marsaglia and Tsang, 2000; shape < 1 boosted by U^(1/shape)).
 *
 * @example
 * ```ts
 * import { makeRng } from "./rng.ts";
 * const g = gammaSample(makeRng(1), 2);
 * if (!(g > 0)) throw new Error("a Gamma draw is positive");
 * ```
 */
export function gammaSample(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) {
    const u = Math.max(rng(), Number.MIN_VALUE);
    return gammaSample(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      // standard normal by Box–Muller
      const u1 = Math.max(rng(), Number.MIN_VALUE), u2 = rng();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = Math.max(rng(), Number.MIN_VALUE);
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * A Beta(a, b) draw, as Ga / (Ga + Gb).
 *
 * @example
 * ```ts
 * import { makeRng } from "./rng.ts";
 * const b = betaSample(makeRng(7), 0.4, 0.4);
 * if (!(b >= 0 && b <= 1)) throw new Error("a Beta draw lies in [0, 1]");
 * ```
 */
export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gammaSample(rng, a), y = gammaSample(rng, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}

/**
 * Draws one step's plan for `n` samples: λ ~ Beta(α, α) folded to [0.5, 1], partners a random
 * permutation of the batch (a sample drawn as its own partner is left as it is).
 *
 * @example
 * ```ts
 * import { makeRng } from "./rng.ts";
 * const plan = mixupPlan(4, 0.4, makeRng(3));
 * if (plan.lambda.some((l) => l < 0.5 || l > 1)) throw new Error("λ is folded to [0.5, 1]");
 * if ([...plan.partner].sort().join() !== "0,1,2,3") throw new Error("partners are a permutation");
 * ```
 */
export function mixupPlan(n: number, alpha: number, rng: Rng): MixupPlan {
  if (!(alpha > 0)) throw new RangeError(`mixup alpha must be > 0, got ${alpha}`);
  const lambda = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const l = betaSample(rng, alpha, alpha);
    lambda[i] = Math.max(l, 1 - l);
  }
  const partner = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [partner[i], partner[j]] = [partner[j], partner[i]];
  }
  return { lambda, partner };
}

/**
 * Blends per-sample values (labels, loss weights) as the plan blends the images:
 * `λ_i·v_i + (1 − λ_i)·v_partner(i)`.
 *
 * @example
 * ```ts
 * const plan = { lambda: Float32Array.of(0.75, 1), partner: Int32Array.of(1, 0) };
 * const y = mixValues([1, 0], plan); // [0.75, 0]
 * if (y[0] !== 0.75 || y[1] !== 0) throw new Error(String(y));
 * ```
 */
export function mixValues(values: readonly number[], plan: MixupPlan): number[] {
  if (values.length !== plan.lambda.length) {
    throw new RangeError(`mixValues: ${values.length} values for a plan of ${plan.lambda.length}`);
  }
  return values.map((v, i) => plan.lambda[i] * v + (1 - plan.lambda[i]) * values[plan.partner[i]]);
}
