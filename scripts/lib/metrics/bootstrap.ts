/**
 * Seeded bootstrap confidence intervals.
 *
 * @module
 */
import { seededRandom } from "../data/random.ts";
import type { Scored } from "./types.ts";

/** Options of {@link bootstrapCI}. */
export interface BootstrapOptions<T = Scored> {
  /** Number of resamples (default 1000). */
  resamples?: number;
  seed?: number;
  /** Coverage (default 0.95). */
  level?: number;
  /**
   * Cluster key of a row (patient, subject, file-number block). When given, whole clusters are
   * resampled instead of single rows, which keeps correlated images together and gives honest
   * (wider) intervals. Rows with no key are their own cluster.
   */
  groupOf?: (row: T) => string | undefined;
}

/**
 * Percentile bootstrap interval of `stat` over `rows`. Resampling is stratified by class (the
 * positives and the negatives are each resampled with replacement to their own count), so every
 * resample has both classes; with `groupOf`, clusters are drawn instead (stratified by the
 * cluster's class: all-positive, all-negative or mixed). Resamples where `stat` is NaN are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confusionAt, rates } from "./confusion.ts";
 * // positives 0.9 0.8 0.6 0.3; negatives 0.7 0.5 0.4 0.2 0.1
 * const rows = [
 *   ...[0.9, 0.8, 0.6, 0.3].map((score) => ({ score, positive: true })),
 *   ...[0.7, 0.5, 0.4, 0.2, 0.1].map((score) => ({ score, positive: false })),
 * ];
 * const sensitivity = (r: typeof rows) => rates(confusionAt(r, 0.5)).sensitivity;
 * const [lo, hi] = bootstrapCI(rows, sensitivity, { seed: 1 });
 * assert.ok(lo <= sensitivity(rows) && sensitivity(rows) <= hi); // 0.75, inside its 95% interval
 * assert.deepEqual(bootstrapCI(rows, sensitivity, { seed: 1 }), [lo, hi]); // seeded
 * ```
 */
export function bootstrapCI<T extends Scored>(
  rows: readonly T[],
  stat: (sample: T[]) => number,
  opts: BootstrapOptions<T> = {},
): [number, number] {
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  const rand = seededRandom(opts.seed ?? 1);
  const strata = clusterStrata(rows, opts.groupOf);
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const sample: T[] = [];
    for (const part of strata) {
      for (let k = 0; k < part.length; k++) {
        for (const r of part[Math.floor(rand() * part.length)]) sample.push(r);
      }
    }
    const v = stat(sample);
    if (!Number.isNaN(v)) values.push(v);
  }
  if (values.length === 0) return [NaN, NaN];
  values.sort((a, b) => a - b);
  return [quantile(values, (1 - level) / 2), quantile(values, 1 - (1 - level) / 2)];
}

/** Clusters (single rows without `groupOf`) split into strata by class, in a stable order. */
function clusterStrata<T extends Scored>(rows: readonly T[], groupOf?: (row: T) => string | undefined): T[][][] {
  const clusters = new Map<string, T[]>();
  rows.forEach((r, i) => {
    const key = (groupOf ? groupOf(r) : undefined) ?? `\u0000${i}`;
    const c = clusters.get(key);
    if (c) c.push(r);
    else clusters.set(key, [r]);
  });
  const strata: Record<string, T[][]> = { pos: [], neg: [], mixed: [] };
  for (const c of clusters.values()) {
    const p = c.filter((r) => r.positive).length;
    strata[p === c.length ? "pos" : p === 0 ? "neg" : "mixed"].push(c);
  }
  return [strata.pos, strata.neg, strata.mixed].filter((s) => s.length > 0);
}

/**
 * Linear-interpolated quantile of sorted values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5); // interpolated
 * assert.equal(quantile([1, 2, 3, 4], 1), 4);
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
