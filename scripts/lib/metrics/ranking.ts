/**
 * Threshold-free ranking metrics: AUROC, ROC and precision–recall curves.
 *
 * @module
 */
import type { Scored } from "./types.ts";

/**
 * Area under the ROC curve by the rank-sum (Mann–Whitney) formula; tied scores get their average
 * rank, so a tie between a positive and a negative counts one half. NaN without both classes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(auroc([{ score: 0.2, positive: false }, { score: 0.8, positive: true }]), 1);
 * assert.equal(auroc([{ score: 0.5, positive: false }, { score: 0.5, positive: true }]), 0.5); // ties count half
 * ```
 */
export function auroc(rows: readonly Scored[]): number {
  const sorted = rows.slice().sort((a, b) => a.score - b.score);
  const nPos = rows.filter((r) => r.positive).length;
  const nNeg = rows.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let rankSumPos = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1].score === sorted[i].score) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (sorted[k].positive) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** One point of a curve, at threshold `threshold` (score ≥ threshold → positive). */
export interface CurvePoint {
  threshold: number;
  /** Sensitivity (recall). */
  tpr: number;
  fpr: number;
  precision: number;
}

/**
 * Curve points at every distinct score, from the highest threshold down, preceded by the point
 * (threshold = +Infinity, tpr = 0, fpr = 0, precision = 1). Gives ROC (fpr, tpr) and PR
 * (tpr as recall, precision).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [{ score: 0.9, positive: true }, { score: 0.6, positive: false }, { score: 0.3, positive: true }];
 * const roc = curvePoints(rows).map((p) => [p.fpr, p.tpr]); // the ROC polyline
 * assert.deepEqual(roc, [[0, 0], [0, 0.5], [1, 0.5], [1, 1]]);
 * ```
 */
export function curvePoints(rows: readonly Scored[]): CurvePoint[] {
  const sorted = rows.slice().sort((a, b) => b.score - a.score);
  const nPos = rows.filter((r) => r.positive).length;
  const nNeg = rows.length - nPos;
  const out: CurvePoint[] = [{ threshold: Infinity, tpr: 0, fpr: 0, precision: 1 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length;) {
    const t = sorted[i].score;
    while (i < sorted.length && sorted[i].score === t) {
      sorted[i].positive ? tp++ : fp++;
      i++;
    }
    out.push({ threshold: t, tpr: nPos ? tp / nPos : NaN, fpr: nNeg ? fp / nNeg : NaN, precision: tp / (tp + fp) });
  }
  return out;
}

/**
 * Keeps at most `max` points of a curve (evenly by index, always the first and last) for reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = Array.from({ length: 500 }, (_, i) => ({ score: i / 500, positive: i % 3 === 0 }));
 * const points = curvePoints(rows);
 * const thin = thinCurve(points, 101);
 * assert.equal(thin.length, 101);
 * assert.deepEqual([thin[0], thin[100]], [points[0], points.at(-1)]); // keeps both ends
 * ```
 */
export function thinCurve<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return points.slice();
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]);
  return out;
}
