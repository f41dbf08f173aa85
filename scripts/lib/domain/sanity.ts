/**
 * Sanity ranges for the input-domain check when it has a feature distance: bounds only on the
 * statistics that say an image is blank, one colour or nearly without contrast (the per-channel
 * standard deviations) or mostly black (`darkFraction`), with generous margins. Channel means,
 * saturation and `backgroundTint` are left to the feature distance: a lamp, stain or editor's
 * lightness change moves them without making the image foreign (a 10% HSL lightness change sent
 * every image to review through `backgroundTint`).
 *
 * @module
 */
import type { DomainCheck } from "../../../model/core/mod.ts";
import { quantileSorted, STAT_LIMITS } from "./fit.ts";

/** The statistics a sanity check bounds by default. */
export const SANITY_STATISTICS = ["stdR", "stdG", "stdB", "darkFraction"] as const;

/** Options for {@link fitSanityRanges}. */
export interface SanityFitOptions {
  /** Statistics to bound (default {@link SANITY_STATISTICS}). */
  names?: readonly string[];
  /** Lower and upper quantile of the training images (default [0.001, 0.999]). */
  quantiles?: [number, number];
  /** Lower bound = q_low × `lowFactor` (default 0.5: half the lowest contrast seen in training). */
  lowFactor?: number;
  /** Upper bound = q_high + max(`margin` × (q_high − q_low), `minPad`) (defaults 0.5 and 0.05). */
  margin?: number;
  /** See `margin`. */
  minPad?: number;
}

/**
 * Generous ranges of the sanity statistics over the training originals' `imageStats`: per
 * statistic [q_low × lowFactor, q_high + max(margin·(q_high − q_low), minPad)], clipped to the
 * statistic's limits. A flat image (every std 0) falls below any range whose q_low > 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [0.1, 0.15, 0.2].map((s) => ({ stdR: s, stdG: s, stdB: s / 2, darkFraction: 0 }));
 * const { ranges } = fitSanityRanges(rows, { quantiles: [0, 1] });
 * assert.deepEqual(ranges.stdR, [0.05, 0.25]); // [0.1 × 0.5, 0.2 + 0.5 × 0.1]
 * assert.deepEqual(ranges.darkFraction, [0, 0.05]); // minPad
 * ```
 */
export function fitSanityRanges(stats: readonly Record<string, number>[], opts: SanityFitOptions = {}): DomainCheck {
  const names = opts.names ?? SANITY_STATISTICS;
  const [qlo, qhi] = opts.quantiles ?? [0.001, 0.999];
  const lowFactor = opts.lowFactor ?? 0.5;
  const margin = opts.margin ?? 0.5;
  const minPad = opts.minPad ?? 0.05;
  if (!(qlo >= 0 && qlo < qhi && qhi <= 1)) {
    throw new RangeError(`fitSanityRanges: quantiles must satisfy 0 ≤ low < high ≤ 1, got [${qlo}, ${qhi}]`);
  }
  if (!(lowFactor >= 0 && lowFactor <= 1 && margin >= 0 && minPad >= 0)) {
    throw new RangeError(`fitSanityRanges: lowFactor must be in [0, 1], margin and minPad ≥ 0`);
  }
  if (stats.length === 0) throw new Error("fitSanityRanges: no statistics; compute imageStats on the training images");
  const ranges: Record<string, [number, number]> = {};
  for (const name of names) {
    const values = stats.map((s) => s[name]);
    if (values.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
      throw new Error(`fitSanityRanges: statistic "${name}" is missing or not finite for some images`);
    }
    values.sort((a, b) => a - b);
    const lo = quantileSorted(values, qlo), hi = quantileSorted(values, qhi);
    const [cmin, cmax] = STAT_LIMITS[name] ?? [-Infinity, Infinity];
    const upper = hi + Math.max(margin * (hi - lo), minPad);
    ranges[name] = [round6(Math.max(cmin, lo * lowFactor)), round6(Math.min(cmax, upper))];
  }
  return { ranges };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
