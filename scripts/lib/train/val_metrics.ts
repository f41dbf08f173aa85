/**
 * The few validation numbers the loop needs each epoch (full evaluation lives in
 * scripts/lib/metrics and scripts/evaluate.ts).
 *
 * @module
 */
import { auroc } from "../metrics/ranking.ts";

/** Validation summary of one epoch. */
export interface ValMetrics {
  loss: number;
  auroc: number;
  /** Mean of sensitivity and specificity at logit 0 (p = 0.5). */
  balancedAccuracy: number;
  sensitivity: number;
  specificity: number;
}

/**
 * Metrics from binary logits and labels (true = `all`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = valMetrics(new Float32Array([2, -1]), [true, false]);
 * assert.deepEqual([m.auroc, m.sensitivity, m.specificity, m.balancedAccuracy], [1, 1, 1, 1]);
 * ```
 */
export function valMetrics(logits: Float32Array, positive: readonly boolean[]): ValMetrics {
  let loss = 0, tp = 0, tn = 0, nPos = 0, nNeg = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i], y = positive[i] ? 1 : 0;
    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    if (y) {
      nPos++;
      if (z > 0) tp++;
    } else {
      nNeg++;
      if (z <= 0) tn++;
    }
  }
  const sensitivity = nPos ? tp / nPos : NaN, specificity = nNeg ? tn / nNeg : NaN;
  return {
    loss: loss / Math.max(1, logits.length),
    auroc: auroc(Array.from(logits, (score, i) => ({ score, positive: positive[i] }))),
    balancedAccuracy: (sensitivity + specificity) / 2,
    sensitivity,
    specificity,
  };
}

/** Which validation number decides "best" and early stopping. */
export type Monitor = "auroc" | "bal_acc" | "loss";

/**
 * The monitored score (higher is better).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = valMetrics(new Float32Array([2, -1, 0.5]), [true, false, false]);
 * assert.equal(monitorScore(m, "loss"), -m.loss); // higher is better for every monitor
 * assert.equal(monitorScore(m, "auroc"), m.auroc);
 * ```
 */
export function monitorScore(m: ValMetrics, monitor: Monitor): number {
  return monitor === "auroc" ? m.auroc : monitor === "bal_acc" ? m.balancedAccuracy : -m.loss;
}

/**
 * True when (score, loss) beats (bestScore, bestLoss): a higher score by more than `minDelta`,
 * or an equal score (within `minDelta`) with a lower loss.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(improved(0.99, 0.2, 0.99, 0.3), true); // same score, lower loss
 * assert.equal(improved(0.98, 0.1, 0.99, 0.3), false);
 * ```
 */
export function improved(score: number, loss: number, bestScore: number, bestLoss: number, minDelta = 1e-4): boolean {
  if (!Number.isFinite(score)) return false;
  if (!Number.isFinite(bestScore)) return true;
  if (score > bestScore + minDelta) return true;
  return Math.abs(score - bestScore) <= minDelta && loss < bestLoss;
}
