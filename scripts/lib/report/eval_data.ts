/**
 * The numbers behind the evaluation report, from the trainer's predictions and the evaluation's
 * temperature, threshold and review band: curves, operating points, reliability before/after
 * temperature scaling, confusion counts (plain and with the review band), score distributions and
 * the misclassified images. Pure functions over `scripts/lib/metrics`.
 *
 * @module
 */
import { reliabilityTable, sigmoid } from "../metrics/calibration.ts";
import { confusionAt, rates } from "../metrics/confusion.ts";
import type { PredictionRow } from "../metrics/predictions.ts";
import { curvePoints, thinCurve } from "../metrics/ranking.ts";
import type { Scored } from "../metrics/types.ts";

/** Temperature, threshold and review band (as in the model card and eval.json). */
export interface OperatingSettings {
  temperature: number;
  threshold: number;
  reviewBand: [number, number];
}

/** A prediction with its calibrated p(all). */
export type ScoredPrediction = PredictionRow & { p: number; positive: boolean };

/** Splits in report order. */
export const EVAL_SPLITS = ["val", "test"] as const;

/**
 * Predictions with calibrated p(all) = sigmoid(logit / temperature).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const scored = scorePredictions(rows, 1.4);
 * assert.equal(scored[0].p.toFixed(3), "0.807"); // sigmoid(2 / 1.4)
 * assert.equal(scored[0].positive, true);
 * ```
 */
export function scorePredictions(rows: readonly PredictionRow[], temperature: number): ScoredPrediction[] {
  return rows.map((r) => ({ ...r, p: sigmoid(r.logit, temperature), positive: r.label === "all" }));
}

const scored = (rows: readonly ScoredPrediction[]): Scored[] => rows.map((r) => ({ score: r.p, positive: r.positive }));

/** One point of the ROC/PR curves of one split. */
export interface CurveRow {
  split: string;
  threshold: number;
  fpr: number;
  tpr: number;
  precision: number;
  /** Drawing order along the curve. */
  order: number;
}

/**
 * ROC and precision–recall points per split (at most `maxPoints` each, thinned evenly).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const test = curveRows(scorePredictions(rows, 1)).filter((r) => r.split === "test");
 * assert.deepEqual(test.map((r) => [r.fpr, r.tpr]), [[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]]);
 * ```
 */
export function curveRows(rows: readonly ScoredPrediction[], maxPoints = 2000): CurveRow[] {
  return EVAL_SPLITS.flatMap((split) => {
    const s = rows.filter((r) => r.split === split);
    if (s.length === 0) return [];
    return thinCurve(curvePoints(scored(s)), maxPoints).map((c, order) => ({
      split,
      threshold: Number.isFinite(c.threshold) ? c.threshold : 1,
      fpr: c.fpr,
      tpr: c.tpr,
      precision: c.precision,
      order,
    }));
  });
}

/** The chosen threshold or a review-band edge, located on one split's curves. */
export interface OperatingRow {
  split: string;
  kind: "threshold" | "review low" | "review high";
  p: number;
  fpr: number;
  tpr: number;
  precision: number;
}

/**
 * Where the threshold and the review band's edges fall on each split (p ≥ edge → positive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const ops = operatingRows(scorePredictions(rows, 1), { temperature: 1, threshold: 0.3, reviewBand: [0.1, 0.8] });
 * assert.deepEqual(ops.map((o) => [o.kind, o.tpr, o.fpr]), [
 *   ["threshold", 0.5, 0.5], ["review low", 1, 1], ["review high", 0.5, 0],
 * ]);
 * ```
 */
export function operatingRows(rows: readonly ScoredPrediction[], op: OperatingSettings): OperatingRow[] {
  const edges: [OperatingRow["kind"], number][] = [["threshold", op.threshold], ["review low", op.reviewBand[0]], [
    "review high",
    op.reviewBand[1],
  ]];
  return EVAL_SPLITS.flatMap((split) => {
    const s = scored(rows.filter((r) => r.split === split));
    if (s.length === 0) return [];
    return edges.map(([kind, p]) => {
      const r = rates(confusionAt(s, p));
      return {
        split,
        kind,
        p,
        fpr: 1 - r.specificity,
        tpr: r.sensitivity,
        precision: Number.isNaN(r.precision) ? 1 : r.precision,
      };
    });
  });
}

/** One reliability bin of one split, before or after temperature scaling. */
export interface ReliabilityRow {
  split: string;
  calibration: string;
  meanPredicted: number;
  fractionPositive: number;
  count: number;
}

/**
 * Non-empty reliability bins per split at T = 1 (raw) and at the fitted temperature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const after = reliabilityRows(rows, 1.7, 10).filter((r) => r.calibration.startsWith("after"));
 * assert.equal(after[0].calibration, "after (T = 1.70)");
 * assert.equal(after.reduce((n, r) => n + r.count, 0), 4);
 * ```
 */
export function reliabilityRows(rows: readonly PredictionRow[], temperature: number, bins = 10): ReliabilityRow[] {
  const variants: [string, number][] = [["before (T = 1)", 1], [`after (T = ${temperature.toFixed(2)})`, temperature]];
  return EVAL_SPLITS.flatMap((split) =>
    variants.flatMap(([calibration, t]) => {
      const s = scorePredictions(rows.filter((r) => r.split === split), t);
      if (s.length === 0) return [];
      return reliabilityTable(scored(s), bins)
        .filter((b) => b.count > 0)
        .map((b) => ({
          split,
          calibration,
          meanPredicted: b.meanPredicted,
          fractionPositive: b.fractionPositive,
          count: b.count,
        }));
    })
  );
}

/** Decision of the service for a probability: the threshold alone, or with the review band. */
export type DecisionMode = "threshold" | "with review band";

/** One cell of a confusion matrix. */
export interface ConfusionCell {
  split: string;
  mode: DecisionMode;
  truth: "all" | "normal";
  predicted: "all" | "normal" | "review";
  count: number;
}

/**
 * Confusion counts per split: at the threshold (2×2), and as the service answers with the review
 * band (p in [low, high) → `review`; 2×3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];const op = { temperature: 1, threshold: 0.3, reviewBand: [0.1, 0.8] as [number, number] }; // from eval.json
 * const cells = confusionCells(scorePredictions(rows, op.temperature), op);
 * const count = (mode: string, truth: string, predicted: string) =>
 *   cells.find((c) => c.split === "test" && c.mode === mode && c.truth === truth && c.predicted === predicted)!.count;
 * assert.equal(count("threshold", "all", "normal"), 1); // a false negative
 * assert.equal(count("with review band", "all", "review"), 1); // which the band sends to a person
 * ```
 */
export function confusionCells(rows: readonly ScoredPrediction[], op: OperatingSettings): ConfusionCell[] {
  const out: ConfusionCell[] = [];
  const [lo, hi] = op.reviewBand;
  for (const split of EVAL_SPLITS) {
    const s = rows.filter((r) => r.split === split);
    if (s.length === 0) continue;
    for (const truth of ["all", "normal"] as const) {
      const t = s.filter((r) => r.label === truth);
      for (const predicted of ["all", "normal"] as const) {
        out.push({
          split,
          mode: "threshold",
          truth,
          predicted,
          count: t.filter((r) => (r.p >= op.threshold) === (predicted === "all")).length,
        });
      }
      for (const predicted of ["normal", "review", "all"] as const) {
        const decide = (p: number) => (p >= lo && p < hi ? "review" : p >= op.threshold ? "all" : "normal");
        out.push({
          split,
          mode: "with review band",
          truth,
          predicted,
          count: t.filter((r) => decide(r.p) === predicted).length,
        });
      }
    }
  }
  return out;
}

/**
 * Misclassified images of one split at the threshold: false negatives (missed `all`) first, most
 * confident miss first, then false positives, most confident first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const errors = misclassified(scorePredictions(rows, 1), 0.3, "test").slice(0, 24); // the gallery
 * assert.deepEqual(errors.map((e) => [e.path, e.error]), [["b.png", "false negative"], ["d.png", "false positive"]]);
 * ```
 */
export function misclassified(
  rows: readonly ScoredPrediction[],
  threshold: number,
  split: string,
): (ScoredPrediction & { error: "false negative" | "false positive" })[] {
  const s = rows.filter((r) => r.split === split);
  const fn = s.filter((r) => r.positive && r.p < threshold).sort((a, b) => a.p - b.p || a.path.localeCompare(b.path));
  const fp = s.filter((r) => !r.positive && r.p >= threshold).sort((a, b) => b.p - a.p || a.path.localeCompare(b.path));
  return [
    ...fn.map((r) => ({ ...r, error: "false negative" as const })),
    ...fp.map((r) => ({ ...r, error: "false positive" as const })),
  ];
}

/** One cell of the subtype confusion matrix. */
export interface SubtypeCell {
  split: string;
  truth: string;
  predicted: string;
  count: number;
  /** count / images of the true subtype in the split. */
  share: number;
}

/**
 * Subtype confusion per split from the subtype head (argmax of `subtypeLogits`, names in head
 * order); rows without a subtype or subtype logits are skipped. Empty when no row has both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const cells = subtypeCells(rows, ["Benign", "Pro"]).filter((c) => c.split === "test");
 * assert.deepEqual(cells.map((c) => [c.truth, c.predicted, c.count]), [
 *   ["Benign", "Benign", 2], ["Benign", "Pro", 0], ["Pro", "Benign", 1], ["Pro", "Pro", 1],
 * ]);
 * ```
 */
export function subtypeCells(rows: readonly PredictionRow[], names: readonly string[]): SubtypeCell[] {
  const out: SubtypeCell[] = [];
  for (const split of EVAL_SPLITS) {
    const s = rows.filter((r) =>
      r.split === split && r.subtype !== undefined && r.subtypeLogits?.length === names.length
    );
    if (s.length === 0) continue;
    for (const truth of names) {
      const t = s.filter((r) => r.subtype === truth);
      for (const [k, predicted] of names.entries()) {
        const count = t.filter((r) => argmax(r.subtypeLogits!) === k).length;
        out.push({ split, truth, predicted, count, share: t.length ? count / t.length : 0 });
      }
    }
  }
  return out;
}

function argmax(v: readonly number[]): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  return k;
}
