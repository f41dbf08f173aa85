/**
 * Fitting and applying the model card's input-domain check ({@link DomainCheck}): per-statistic
 * ranges (`meanR`, `stdG`, `darkFraction`…, from `imageStats` of the resized [0, 1] image) taken
 * from quantiles of the training images, widened by a margin. Feed it the statistics of the
 * training images both unshifted and under the colour-shift grid, so that the mild shifts the
 * model is expected to handle are not flagged.
 *
 * @module
 */
import type { DomainCheck } from "../../../model/core/mod.ts";
import { checkDomain as serviceCheckDomain } from "../../../model/core/mod.ts";

/** Options for {@link fitDomainRanges}. */
export interface DomainFitOptions {
  /** Lower and upper quantile of each statistic (default [0.005, 0.995]). */
  quantiles?: [number, number];
  /** Each range is widened on both sides by `margin` × (upper − lower) (default 0.1). */
  margin?: number;
  /**
   * Smallest widening on each side, in the statistic's own units (default 0.01), so that a
   * statistic that barely varies in training (e.g. `darkFraction` ≈ 0) does not flag every image
   * that differs by a hair.
   */
  minPad?: number;
  /** Statistics to keep (default: every name present in all rows). */
  names?: readonly string[];
  /** Hard limits a range is clipped to, per statistic (e.g. `darkFraction: [0, 1]`). */
  clip?: Record<string, [number, number]>;
}

/** Default clip: every `imageStats` statistic lives in [0, 1] (std at most 0.5). */
export const STAT_LIMITS: Record<string, [number, number]> = {
  meanR: [0, 1],
  meanG: [0, 1],
  meanB: [0, 1],
  stdR: [0, 0.5],
  stdG: [0, 0.5],
  stdB: [0, 0.5],
  darkFraction: [0, 1],
  meanSaturation: [0, 1],
  backgroundTint: [0, 1],
};

/**
 * Linear-interpolated quantile of an ascending array (q in [0, 1]).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(quantileSorted([0, 10], 0.25), 2.5);
 * ```
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantileSorted: no values");
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Ranges for the domain check from per-image statistics (one record per image): per statistic
 * [q_low − pad, q_high + pad] with pad = max(margin·(q_high − q_low), minPad), clipped to
 * {@link STAT_LIMITS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [{ meanR: 0.5 }, { meanR: 0.6 }, { meanR: 0.7 }];
 * const [lo, hi] = fitDomainRanges(rows, { quantiles: [0, 1], margin: 0.5 }).ranges.meanR;
 * assert.deepEqual([lo.toFixed(3), hi.toFixed(3)], ["0.400", "0.800"]); // [0.5, 0.7] widened by half its width
 * ```
 */
export function fitDomainRanges(stats: readonly Record<string, number>[], opts: DomainFitOptions = {}): DomainCheck {
  const [qlo, qhi] = opts.quantiles ?? [0.005, 0.995];
  const margin = opts.margin ?? 0.1;
  const minPad = opts.minPad ?? 0.01;
  if (!(qlo >= 0 && qlo < qhi && qhi <= 1)) {
    throw new RangeError(`fitDomainRanges: quantiles must satisfy 0 ≤ low < high ≤ 1, got [${qlo}, ${qhi}]`);
  }
  if (!(margin >= 0 && minPad >= 0)) {
    throw new RangeError(`fitDomainRanges: margin and minPad must be ≥ 0, got ${margin} and ${minPad}`);
  }
  if (stats.length === 0) {
    throw new Error("fitDomainRanges: no statistics given; compute imageStats on the training images first");
  }
  const clip = { ...STAT_LIMITS, ...opts.clip };
  const names = opts.names ?? Object.keys(stats[0]).filter((n) => stats.every((s) => Number.isFinite(s[n])));
  const ranges: Record<string, [number, number]> = {};
  for (const name of names) {
    const values = stats.map((s) => s[name]);
    if (values.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
      throw new Error(`fitDomainRanges: statistic "${name}" is missing or not finite for some images`);
    }
    values.sort((a, b) => a - b);
    const lo = quantileSorted(values, qlo), hi = quantileSorted(values, qhi);
    const pad = Math.max((hi - lo) * margin, minPad);
    const [cmin, cmax] = clip[name] ?? [-Infinity, Infinity];
    ranges[name] = [round6(Math.max(cmin, lo - pad)), round6(Math.min(cmax, hi + pad))];
  }
  return { ranges };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Reasons an image's statistics are out of domain (empty = in domain). Same rule as the service
 * (`functions/lib/predict/domain.ts`), so offline counts match what the service will flag.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(checkDomain({ meanR: 0.1 }, { ranges: { meanR: [0.4, 0.9] } }).length, 1);
 * assert.equal(checkDomain({ meanR: 0.5 }, { ranges: { meanR: [0.4, 0.9] } }).length, 0);
 * ```
 */
export function checkDomain(stats: Record<string, number>, check: DomainCheck): string[] {
  return serviceCheckDomain(check, stats);
}
