/**
 * The evaluation report: calibration, operating point and metrics with intervals for val and test.
 *
 * @module
 */
import type { MetricValue } from "../../../model/core/mod.ts";
import { bootstrapCI } from "./bootstrap.ts";
import { ece, fitTemperature, meanNll, type ReliabilityBin, reliabilityTable, sigmoid } from "./calibration.ts";
import { confusionAt, type Rates, rates } from "./confusion.ts";
import type { PredictionRow } from "./predictions.ts";
import { auroc, type CurvePoint, curvePoints, thinCurve } from "./ranking.ts";
import { MIN_PER_CLASS, sampleSizeWarnings } from "./sample_size.ts";
import { perSubtype, type SubtypeResult } from "./subtype.ts";
import { chooseOperatingPoint, type OperatingPoint } from "./threshold.ts";
import type { Confusion, Scored } from "./types.ts";

/** A scored row that keeps its subtype. */
export type ScoredRow = Scored & { subtype?: string; group?: string };

/** What happens with the review band applied. */
export interface ReviewOutcome {
  /** Images sent to a person (p in [low, high)). */
  reviewCount: number;
  reviewFraction: number;
  /** `all` images answered `normal` automatically (p < low): the misses that matter. */
  missedAll: number;
  /** `normal` images answered `all` automatically (p ≥ high). */
  falseAll: number;
  /** 1 − missedAll / #all: sensitivity when reviewed images are caught by the person. */
  sensitivityWithReview: number;
  /** 1 − falseAll / #normal. */
  specificityWithReview: number;
}

/** Metrics of one split. */
export interface SplitReport {
  n: number;
  positives: number;
  negatives: number;
  confusion: Confusion;
  /** Threshold metrics; the headline ones carry a bootstrap 95% interval. */
  metrics: Record<keyof Rates | "auroc", MetricValue>;
  ece: { uncalibrated: number; calibrated: number };
  nll: { uncalibrated: number; calibrated: number };
  reliability: ReliabilityBin[];
  perSubtype: SubtypeResult[];
  review: ReviewOutcome;
  /** At most 101 points each, calibrated probabilities as thresholds. */
  curves: { roc: CurvePoint[] };
}

/** The whole evaluation, as written to `eval.json`. */
export interface EvalReport {
  version: 1;
  created: string;
  source: string;
  temperature: number;
  threshold: number;
  reviewBand: [number, number];
  /** `chosenOn`: "val", or where a {@link FixedPoint} was fitted */
  operatingPoint: OperatingPoint["rule"] & { chosenOn: string; bandRule: string };
  bootstrap: { resamples: number; seed: number; method: string };
  /** `val` is absent only for a refit (no val split) evaluated at a fixed out-of-fold point */
  metrics: { val?: SplitReport; test?: SplitReport };
  /**
   * Sample-size warnings ({@link sampleSizeWarnings}): a split under `minPerClass` images of a
   * class, a zero-width interval. `[]` when none; absent in reports written before they existed.
   */
  warnings?: string[];
}

const BAND_RULE =
  "threshold = largest p with val sensitivity ≥ target; review [low, high): low = min(threshold, largest p with val sensitivity ≥ bandSensitivity), high = max(threshold, smallest p with val specificity ≥ bandSpecificity)";

/**
 * An operating point fitted elsewhere, e.g. on a recipe's out-of-fold scores (`deno task folds`,
 * `scripts/lib/run/fixed_point.ts` reads it): {@link evaluatePredictions} then evaluates val and
 * test at it instead of fitting one on val.
 */
export interface FixedPoint {
  temperature: number;
  threshold: number;
  reviewBand: [number, number];
  /** the rule it was chosen by */
  rule: OperatingPoint["rule"];
  /** where it was fitted, e.g. `out-of-fold: runs/fold/v6-folds.json (2340 images)` */
  chosenOn: string;
}

/** Options of {@link evaluatePredictions}. */
export interface EvalOptions {
  /** evaluate at this point instead of fitting temperature and operating point on val */
  point?: FixedPoint;
  targetSensitivity?: number;
  resamples?: number;
  seed?: number;
  source?: string;
  created?: string;
  /** Fewest images per class and split before the report warns (default {@link MIN_PER_CLASS}). */
  minPerClass?: number;
}

const CI_METRICS = ["sensitivity", "specificity", "f1"] as const;

/**
 * Metrics of one split at a fixed operating point; `probs` are calibrated p(all), `raw` the
 * uncalibrated ones (T = 1) for the before/after ECE.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PredictionRow } from "./predictions.ts";
 * // 40 val and 40 test images, half `all`; logits overlap between the classes
 * const preds: PredictionRow[] = Array.from({ length: 80 }, (_, i) => ({
 *   path: `cell-${i}.png`,
 *   split: i < 40 ? "val" : "test",
 *   label: i % 2 === 0 ? "all" : "normal",
 *   logit: (i % 2 === 0 ? 3 : -3) + ((i * 37) % 11) - 5,
 * }));
 * const test = preds.filter((p) => p.split === "test");
 * const r = evaluateSplit(test, 1.5, { threshold: 0.5, reviewBand: [0.2, 0.8] }, { resamples: 200, seed: 1 });
 * assert.deepEqual([r.n, r.positives, r.negatives], [40, 20, 20]);
 * const { value, ci95 } = r.metrics.sensitivity;
 * assert.ok(ci95 && ci95[0] <= value && value <= ci95[1]);
 * assert.equal(r.review.reviewCount, Math.round(r.review.reviewFraction * 40));
 * ```
 */
export function evaluateSplit(
  rows: readonly PredictionRow[],
  temperature: number,
  op: Pick<OperatingPoint, "threshold" | "reviewBand">,
  boot: { resamples: number; seed: number },
): SplitReport {
  const cal: ScoredRow[] = rows.map((r) => scored(r, temperature));
  const grouped = rows.some((r) => r.group !== undefined);
  const bootOpts = { ...boot, ...(grouped ? { groupOf: (r: ScoredRow) => r.group } : {}) };
  const raw: ScoredRow[] = rows.map((r) => scored(r, 1));
  const lr = rows.map((r) => ({ logit: r.logit, positive: r.label === "all" }));
  const confusion = confusionAt(cal, op.threshold);
  const point = rates(confusion);
  const metrics = {} as SplitReport["metrics"];
  for (const [k, v] of Object.entries(point)) metrics[k as keyof Rates] = { value: v };
  CI_METRICS.forEach((k, i) => {
    metrics[k].ci95 = bootstrapCI(cal, (s) => rates(confusionAt(s, op.threshold))[k], {
      ...bootOpts,
      seed: boot.seed + i,
    });
  });
  metrics.auroc = { value: auroc(cal), ci95: bootstrapCI(cal, auroc, { ...bootOpts, seed: boot.seed + 10 }) };
  const positives = confusion.tp + confusion.fn;
  const negatives = confusion.tn + confusion.fp;
  const [lo, hi] = op.reviewBand;
  const reviewCount = cal.filter((r) => r.score >= lo && r.score < hi).length;
  const missedAll = cal.filter((r) => r.positive && r.score < lo).length;
  const falseAll = cal.filter((r) => !r.positive && r.score >= hi).length;
  return {
    n: rows.length,
    positives,
    negatives,
    confusion,
    metrics,
    ece: { uncalibrated: ece(raw), calibrated: ece(cal) },
    nll: { uncalibrated: meanNll(lr, 1), calibrated: meanNll(lr, temperature) },
    reliability: reliabilityTable(cal, 15),
    perSubtype: perSubtype(cal, op.threshold),
    review: {
      reviewCount,
      reviewFraction: reviewCount / rows.length,
      missedAll,
      falseAll,
      sensitivityWithReview: positives ? 1 - missedAll / positives : NaN,
      specificityWithReview: negatives ? 1 - falseAll / negatives : NaN,
    },
    curves: { roc: thinCurve(curvePoints(cal), 101) },
  };
}

function scored(r: PredictionRow, temperature: number): ScoredRow {
  return {
    score: sigmoid(r.logit, temperature),
    positive: r.label === "all",
    ...(r.subtype !== undefined ? { subtype: r.subtype } : {}),
    ...(r.group !== undefined ? { group: r.group } : {}),
  };
}

/**
 * Fits the temperature on val (NLL), chooses threshold and review band on val calibrated
 * probabilities ({@link chooseOperatingPoint}), and evaluates val and test at that point; with
 * `opts.point`, evaluates both at that point instead (val is then read out of sample too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PredictionRow } from "./predictions.ts";
 * // 40 val and 40 test images, half `all`; logits overlap between the classes
 * const preds: PredictionRow[] = Array.from({ length: 80 }, (_, i) => ({
 *   path: `cell-${i}.png`,
 *   split: i < 40 ? "val" : "test",
 *   label: i % 2 === 0 ? "all" : "normal",
 *   logit: (i % 2 === 0 ? 3 : -3) + ((i * 37) % 11) - 5,
 * }));
 * // the trainer's predictions.json, read with parsePredictions
 * const report = evaluatePredictions(preds, { targetSensitivity: 0.99, resamples: 200 });
 * assert.ok(report.temperature > 0);
 * assert.ok(report.reviewBand[0] <= report.threshold && report.threshold <= report.reviewBand[1]);
 * assert.ok(report.metrics.val!.metrics.sensitivity.value >= 0.99); // chosen on val
 * assert.equal(report.metrics.test?.n, 40);
 * ```
 */
export function evaluatePredictions(preds: readonly PredictionRow[], opts: EvalOptions = {}): EvalReport {
  const val = preds.filter((p) => p.split === "val");
  const test = preds.filter((p) => p.split === "test");
  if (val.length === 0 && !opts.point) {
    throw new Error(
      "no val predictions: the threshold and temperature must be chosen on val; re-run the trainer with a val split " +
        "(or, for a refit on every non-test image, evaluate at the recipe's out-of-fold point: --point FILE)",
    );
  }
  if (val.length === 0 && test.length === 0) throw new Error("no val or test predictions to evaluate");
  const boot = { resamples: opts.resamples ?? 1000, seed: opts.seed ?? 1 };
  const fixed = opts.point;
  if (fixed) {
    const [low, high] = fixed.reviewBand;
    if (!(fixed.temperature > 0) || !(0 < low && low <= fixed.threshold && fixed.threshold <= high && high < 1)) {
      throw new Error(
        `the fixed operating point (${fixed.chosenOn}) needs temperature > 0 and 0 < low ≤ threshold ≤ high < 1; ` +
          `got T ${fixed.temperature}, threshold ${fixed.threshold}, band [${low}, ${high})`,
      );
    }
  }
  const temperature = fixed?.temperature ??
    fitTemperature(val.map((r) => ({ logit: r.logit, positive: r.label === "all" })));
  const op: OperatingPoint = fixed ??
    chooseOperatingPoint(val.map((r) => scored(r, temperature)), opts.targetSensitivity ?? 0.99);
  const metrics = {
    ...(val.length ? { val: evaluateSplit(val, temperature, op, boot) } : {}),
    ...(test.length ? { test: evaluateSplit(test, temperature, op, boot) } : {}),
  };
  return {
    version: 1,
    created: opts.created ?? new Date().toISOString(),
    source: opts.source ?? "",
    temperature,
    threshold: op.threshold,
    reviewBand: op.reviewBand,
    operatingPoint: {
      ...op.rule,
      chosenOn: fixed?.chosenOn ?? "val",
      bandRule: fixed ? BAND_RULE.replaceAll("val ", "out-of-fold ") : BAND_RULE,
    },
    bootstrap: {
      ...boot,
      method: preds.some((p) => p.group !== undefined)
        ? "percentile, 95%, cluster bootstrap: whole split groups (blocks/subjects) resampled, stratified by class"
        : "percentile, 95%, image level, all and normal resampled separately (no groups given: intervals are optimistic)",
    },
    metrics,
    warnings: sampleSizeWarnings(metrics, opts.minPerClass ?? MIN_PER_CLASS),
  };
}

const fmt = (v: number, d = 3) => (Number.isNaN(v) ? "n/a" : v.toFixed(d));
const fmtMetric = (
  m: MetricValue,
) => (m.ci95 ? `${fmt(m.value)} [${fmt(m.ci95[0])}, ${fmt(m.ci95[1])}]` : fmt(m.value));

/** The metrics every evaluation table shows, in order: sensitivity, the headline, first. */
export const REPORTED_METRICS = [
  "sensitivity",
  "specificity",
  "f1",
  "auroc",
  "precision",
  "npv",
  "accuracy",
  "balancedAccuracy",
  "weightedF1",
] as const;

/**
 * A console table of the report (val and test side by side), then one `warning: …` line per
 * sample-size warning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PredictionRow } from "./predictions.ts";
 * // 40 val and 40 test images, half `all`; logits overlap between the classes
 * const preds: PredictionRow[] = Array.from({ length: 80 }, (_, i) => ({
 *   path: `cell-${i}.png`,
 *   split: i < 40 ? "val" : "test",
 *   label: i % 2 === 0 ? "all" : "normal",
 *   logit: (i % 2 === 0 ? 3 : -3) + ((i * 37) % 11) - 5,
 * }));
 * const table = formatEvalTable(evaluatePredictions(preds, { resamples: 100 })); // what `deno task evaluate` prints
 * const lines = table.split("\n");
 * assert.match(lines[0], /^temperature \d/);
 * assert.ok(lines.some((l) => /^\s+val\s+test$/.test(l)));
 * assert.ok(lines.some((l) => l.startsWith("sensitivity")));
 * assert.ok(lines.some((l) => l.startsWith("warning: test: 20 all and 20 normal images (fewer than 100)")));
 * ```
 */
export function formatEvalTable(report: EvalReport): string {
  const sides = (["val", "test"] as const).filter((s) => report.metrics[s]);
  const rowsOut: string[][] = [["", ...sides]];
  const add = (name: string, f: (r: SplitReport) => string) =>
    rowsOut.push([name, ...sides.map((s) => f(report.metrics[s]!))]);
  add("n (all/normal)", (r) => `${r.n} (${r.positives}/${r.negatives})`);
  for (const k of REPORTED_METRICS) add(k, (r) => fmtMetric(r.metrics[k]));
  add("confusion tp/fn/tn/fp", (r) => `${r.confusion.tp}/${r.confusion.fn}/${r.confusion.tn}/${r.confusion.fp}`);
  add("ECE raw → calibrated", (r) => `${fmt(r.ece.uncalibrated)} → ${fmt(r.ece.calibrated)}`);
  add("review fraction", (r) => fmt(r.review.reviewFraction));
  add("missed all (p<low)", (r) => String(r.review.missedAll));
  add("sens/spec with review", (r) => `${fmt(r.review.sensitivityWithReview)}/${fmt(r.review.specificityWithReview)}`);
  const subtypes = [
    ...new Set(sides.flatMap((s) => report.metrics[s]!.perSubtype.map((p) => `${p.subtype}\u0000${p.label}`))),
  ];
  for (const key of subtypes) {
    const [st, label] = key.split("\u0000");
    add(`${st} (${label === "all" ? "sens" : "spec"})`, (r) => {
      const p = r.perSubtype.find((x) => x.subtype === st && x.label === label);
      return p ? `${fmt(p.recall)} (${p.correct}/${p.n})` : "-";
    });
  }
  const widths = rowsOut[0].map((_, i) => Math.max(...rowsOut.map((r) => r[i].length)));
  const head = `temperature ${fmt(report.temperature)}  threshold ${report.threshold.toPrecision(4)}  review band [${
    report.reviewBand[0].toPrecision(4)
  }, ${report.reviewBand[1].toPrecision(4)})  target sensitivity ${report.operatingPoint.targetSensitivity}`;
  return [
    head,
    ...rowsOut.map((r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ")),
    ...(report.warnings ?? []).map((w) => `warning: ${w}`),
  ].join("\n");
}
