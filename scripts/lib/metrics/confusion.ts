/**
 * Confusion matrix and the rates derived from it.
 *
 * @module
 */
import type { Confusion, Scored } from "./types.ts";

/**
 * Counts at `threshold`: `score ≥ threshold` is a positive prediction (as in the service).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   confusionAt([
 *     { score: 0.9, positive: true },
 *     { score: 0.4, positive: false },
 *     { score: 0.5, positive: false },
 *   ], 0.5),
 *   { tp: 1, fp: 1, tn: 1, fn: 0 }, // a score equal to the threshold counts as `all`
 * );
 * ```
 */
export function confusionAt(rows: readonly Scored[], threshold: number): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const r of rows) {
    const pred = r.score >= threshold;
    if (r.positive) pred ? c.tp++ : c.fn++;
    else pred ? c.fp++ : c.tn++;
  }
  return c;
}

/** Rates from a confusion matrix. A rate with an empty denominator is NaN. */
export interface Rates {
  accuracy: number;
  /** Recall on `all`: tp / (tp + fn). The headline metric. */
  sensitivity: number;
  /** Recall on `normal`: tn / (tn + fp). */
  specificity: number;
  /** Positive predictive value: tp / (tp + fp). */
  precision: number;
  /** Negative predictive value: tn / (tn + fn). */
  npv: number;
  /** F1 of the `all` class. */
  f1: number;
  /** F1 of the `normal` class. */
  f1Normal: number;
  /** Support-weighted mean of the two per-class F1 values. */
  weightedF1: number;
  /** Mean of sensitivity and specificity. */
  balancedAccuracy: number;
}

const div = (a: number, b: number) => (b === 0 ? NaN : a / b);
const f1Of = (tp: number, fp: number, fn: number) => div(2 * tp, 2 * tp + fp + fn);

/**
 * All rates of a confusion matrix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = rates({ tp: 8, fn: 2, tn: 5, fp: 5 });
 * assert.deepEqual([r.sensitivity, r.specificity, r.accuracy], [0.8, 0.5, 0.65]);
 * ```
 */
export function rates(c: Confusion): Rates {
  const pos = c.tp + c.fn;
  const neg = c.tn + c.fp;
  const sensitivity = div(c.tp, pos);
  const specificity = div(c.tn, neg);
  const f1 = f1Of(c.tp, c.fp, c.fn);
  const f1Normal = f1Of(c.tn, c.fn, c.fp);
  return {
    accuracy: div(c.tp + c.tn, pos + neg),
    sensitivity,
    specificity,
    precision: div(c.tp, c.tp + c.fp),
    npv: div(c.tn, c.tn + c.fn),
    f1,
    f1Normal,
    weightedF1: div(pos * (pos ? f1 : 0) + neg * (neg ? f1Normal : 0), pos + neg),
    balancedAccuracy: (sensitivity + specificity) / 2,
  };
}
