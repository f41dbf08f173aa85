/**
 * Out-of-domain check: the card's `domain.ranges` bound statistics of the resized image
 * (e.g. `stdR`, `darkFraction`: a blank, one-colour or tiny-contrast image), and the card's
 * `domain.features`, when present, bounds the Mahalanobis distance of the image's pooled features
 * from the training images' (an image unlike anything the network was trained on). An image that
 * fails either does not look like the training images, so the service asks for review.
 *
 * @module
 */
import type { DomainCheck, FeatureDomainCheck } from "../card/card.ts";

/**
 * The Mahalanobis distance of pooled features `f` from the training images':
 * d = ‖W (f − mean)‖₂ with the check's whitening `W` (row-major, Wᵀ W = Σ⁻¹).
 * Throws a `RangeError` when `f` does not have `check.dims` values (card and model disagree).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Σ = diag(4, 1): W = diag(1/2, 1); f − mean = (2, 1) → d = ‖(1, 1)‖ = √2
 * const check = { mean: [1, 0], whitening: [0.5, 0, 0, 1], dims: 2 };
 * assert.equal(featureDistance(check, new Float32Array([3, 1])), Math.SQRT2);
 * ```
 */
export function featureDistance(
  check: Pick<FeatureDomainCheck, "mean" | "whitening" | "dims">,
  f: ArrayLike<number>,
): number {
  const c = check.dims;
  if (f.length !== c) {
    throw new RangeError(
      `featureDistance: the image has ${f.length} features but the card's domain.features has dims ${c}; ` +
        `the card was fitted on another model: fit the domain check again (scripts/fit_domain.ts --features)`,
    );
  }
  const { mean, whitening: w } = check;
  const centred = new Float64Array(c);
  for (let j = 0; j < c; j++) centred[j] = f[j] - mean[j];
  let sum = 0;
  for (let i = 0; i < c; i++) {
    let s = 0;
    const row = i * c;
    for (let j = 0; j < c; j++) s += w[row + j] * centred[j];
    sum += s * s;
  }
  return Math.sqrt(sum);
}

/**
 * Reasons the image is out of domain (empty when in domain): each statistic outside its range,
 * then the feature distance above the threshold when the card has `domain.features`. A range
 * naming a statistic that `stats` lacks is reported, and so are missing `features` when the card
 * has a feature check, since the check cannot be made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   checkDomain({ ranges: { meanR: [0.4, 0.9] } }, { meanR: 0.1 }),
 *   ["out_of_domain: meanR = 0.100 is outside [0.400, 0.900] seen in training"],
 * );
 * assert.deepEqual(checkDomain({ ranges: { meanR: [0.4, 0.9] } }, { meanR: 0.5 }), []);
 * const features = { output: "features", mean: [0, 0], whitening: [1, 0, 0, 1], dims: 2, threshold: 2,
 *   fitted: { images: 100, shrinkage: 0.1, quantile: 0.995, validationImages: 50 } };
 * assert.deepEqual(checkDomain({ ranges: {}, features }, {}, new Float32Array([3, 4])), [
 *   "out_of_domain: feature distance 5.00 above 2.00 (the image is unlike the training images)",
 * ]);
 * ```
 */
export function checkDomain(
  domain: DomainCheck | undefined,
  stats: Record<string, number>,
  features?: ArrayLike<number>,
): string[] {
  if (!domain) return [];
  const reasons: string[] = [];
  // a check without ranges (a hand-built card) still applies its feature distance
  for (const [name, [lo, hi]] of Object.entries(domain.ranges ?? {})) {
    const v = stats[name];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      reasons.push(`out_of_domain: statistic ${name} cannot be computed for this image`);
    } else if (v < lo || v > hi) {
      reasons.push(
        `out_of_domain: ${name} = ${v.toFixed(3)} is outside [${lo.toFixed(3)}, ${hi.toFixed(3)}] seen in training`,
      );
    }
  }
  const check = domain.features;
  if (check) {
    if (!features) {
      reasons.push(`out_of_domain: feature distance cannot be computed (no "${check.output}" output for this image)`);
    } else {
      const d = featureDistance(check, features);
      if (!(d <= check.threshold)) {
        reasons.push(
          `out_of_domain: feature distance ${d.toFixed(2)} above ${
            check.threshold.toFixed(2)
          } (the image is unlike the training images)`,
        );
      }
    }
  }
  return reasons;
}
