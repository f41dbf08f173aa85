/**
 * Seeded bootstrap confidence intervals.
 *
 * @module
 */
import { seededRandom } from "../data/random.ts";
import type { Scored } from "./types.ts";

/** Options of {@link bootstrapCI}. */
export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  seed?: number;
  /** Coverage (default 0.95). */
  level?: number;
}

/**
 * Percentile bootstrap interval of `stat` over `rows`. Resampling is stratified by class (the
 * positives and the negatives are each resampled with replacement to their own count), so every
 * resample has both classes. Resamples where `stat` is NaN are skipped.
 *
 * @example
 * ```ts
 * bootstrapCI(rows, (r) => rates(confusionAt(r, 0.5)).sensitivity, { seed: 1 }); // [0.93, 0.99]
 * ```
 */
export function bootstrapCI<T extends Scored>(
  rows: readonly T[],
  stat: (sample: T[]) => number,
  opts: BootstrapOptions = {},
): [number, number] {
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  const rand = seededRandom(opts.seed ?? 1);
  const pos = rows.filter((r) => r.positive);
  const neg = rows.filter((r) => !r.positive);
  const values: number[] = [];
  const sample: T[] = new Array(rows.length);
  for (let b = 0; b < resamples; b++) {
    let i = 0;
    for (const part of [pos, neg]) {
      for (let k = 0; k < part.length; k++) sample[i++] = part[Math.floor(rand() * part.length)];
    }
    const v = stat(sample);
    if (!Number.isNaN(v)) values.push(v);
  }
  if (values.length === 0) return [NaN, NaN];
  values.sort((a, b) => a - b);
  return [quantile(values, (1 - level) / 2), quantile(values, 1 - (1 - level) / 2)];
}

/**
 * Linear-interpolated quantile of sorted values.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
