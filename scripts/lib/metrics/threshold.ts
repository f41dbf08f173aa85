/**
 * Choosing the decision threshold and the review band on validation predictions.
 *
 * @module
 */
import type { Scored } from "./types.ts";

/** Smallest double greater than x (x finite). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

/**
 * The largest threshold t with sensitivity(t) ≥ target, where `score ≥ t` is positive: the
 * k-th highest positive score, k = ceil(target · #positives). Throws without positives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [0.9, 0.8, 0.3].map((score) => ({ score, positive: true }));
 * assert.equal(thresholdForSensitivity(rows, 2 / 3), 0.8);
 * assert.equal(thresholdForSensitivity(rows, 0.99), 0.3); // all three
 * ```
 */
export function thresholdForSensitivity(rows: readonly Scored[], target: number): number {
  const pos = rows.filter((r) => r.positive).map((r) => r.score).sort((a, b) => b - a);
  if (pos.length === 0) {
    throw new Error("no `all` examples on validation: cannot choose a threshold for a target sensitivity");
  }
  const k = Math.min(pos.length, Math.max(1, Math.ceil(target * pos.length - 1e-9)));
  return pos[k - 1];
}

/**
 * The smallest threshold t with specificity(t) ≥ target (negatives below t are correct): just
 * above the k-th lowest negative score, k = ceil(target · #negatives). Throws without negatives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [0.1, 0.2, 0.4].map((score) => ({ score, positive: false }));
 * const t = thresholdForSpecificity(rows, 0.99);
 * assert.ok(t > 0.4 && t - 0.4 < 1e-15); // just above the highest `normal` score: all three below it
 * ```
 */
export function thresholdForSpecificity(rows: readonly Scored[], target: number): number {
  const neg = rows.filter((r) => !r.positive).map((r) => r.score).sort((a, b) => a - b);
  if (neg.length === 0) {
    throw new Error("no `normal` examples on validation: cannot choose a threshold for a target specificity");
  }
  const k = Math.min(neg.length, Math.max(1, Math.ceil(target * neg.length - 1e-9)));
  return nextUp(neg[k - 1]);
}

/** The operating point chosen on validation. */
export interface OperatingPoint {
  /** p ≥ threshold → `all`. */
  threshold: number;
  /** p in [low, high) → `review`. */
  reviewBand: [number, number];
  /** The targets the point was chosen for. */
  rule: { targetSensitivity: number; bandSensitivity: number; bandSpecificity: number };
}

/** Keeps a probability threshold inside the open interval (0, 1) that the model card requires. */
function clampOpen(p: number): number {
  return Math.min(1 - 1e-9, Math.max(1e-9, p));
}

/**
 * Chooses the operating point on validation probabilities.
 * - threshold: {@link thresholdForSensitivity} at `targetSensitivity` (default 0.99);
 * - review band [low, high): low = min(threshold, threshold for sensitivity `bandSensitivity`
 *   (0.999)); high = max(threshold, threshold for specificity `bandSpecificity` (0.99)).
 *   So an image is answered `normal` automatically only below the point where validation
 *   sensitivity is still ≥ 0.999, and `all` automatically only above the point where validation
 *   specificity is ≥ 0.99; everything between goes to a person.
 * All values are clamped into (0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // positives 0.9 0.8 0.6 0.3; negatives 0.7 0.5 0.4 0.2 0.1
 * const valRows = [
 *   ...[0.9, 0.8, 0.6, 0.3].map((score) => ({ score, positive: true })),
 *   ...[0.7, 0.5, 0.4, 0.2, 0.1].map((score) => ({ score, positive: false })),
 * ];
 * const op = chooseOperatingPoint(valRows, 0.75); // 3 of the 4 positives at or above the threshold
 * assert.equal(op.threshold, 0.6);
 * // every positive ≥ low, every negative < high
 * assert.deepEqual(op.reviewBand.map((p) => p.toFixed(2)), ["0.30", "0.70"]);
 * ```
 */
export function chooseOperatingPoint(
  rows: readonly Scored[],
  targetSensitivity = 0.99,
  bandSensitivity = 0.999,
  bandSpecificity = 0.99,
): OperatingPoint {
  const threshold = clampOpen(thresholdForSensitivity(rows, targetSensitivity));
  const low = clampOpen(Math.min(threshold, thresholdForSensitivity(rows, bandSensitivity)));
  const high = clampOpen(Math.max(threshold, thresholdForSpecificity(rows, bandSpecificity)));
  return { threshold, reviewBand: [low, high], rule: { targetSensitivity, bandSensitivity, bandSpecificity } };
}
