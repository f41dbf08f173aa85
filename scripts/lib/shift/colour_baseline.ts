/**
 * The colour-only reference classifier on the shift grid, built from the project's colour
 * baseline (`scripts/lib/baseline/`: logistic regression on a bins³ joint RGB histogram plus
 * per-channel mean/std of the resized image): fitted on train images, its threshold chosen on val
 * at the same sensitivity target as the model's, then usable as `predict(floatImg)`.
 *
 * @module
 */
import type { FloatRgbImage } from "../../../model/core/mod.ts";
import { colourFeatures } from "../baseline/features.ts";
import { fitLogistic, logisticLogit, type LogisticModel } from "../baseline/logistic.ts";
import { sigmoid } from "../metrics/calibration.ts";
import { thresholdForSensitivity } from "../metrics/threshold.ts";

/** A fitted colour baseline with its operating threshold (JSON-serialisable). */
export interface ColourBaseline {
  kind: "colour-logistic";
  /** Histogram bins per channel. */
  bins: number;
  model: LogisticModel;
  /** p(all) ≥ threshold → `all`; chosen on val for `targetSensitivity`. */
  threshold: number;
  targetSensitivity: number;
  trainCount: number;
}

/** A labelled resized image. */
export interface LabelledFloat {
  image: FloatRgbImage;
  positive: boolean;
}

/** Options for {@link fitColourBaseline}. */
export interface ColourFitOptions {
  bins?: number;
  /** L2 penalty (default 1, as scripts/colour_baseline.ts). */
  l2?: number;
  /** Sensitivity the val threshold is chosen for (default 0.99). */
  targetSensitivity?: number;
}

/**
 * p(all) of one image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 4×4 cells: reddish ones are `all`, bluish ones `normal` (the real ones are resized fixtures)
 * const cell = (r: number, b: number) => {
 *   const data = new Float32Array(48).map((_, i) => [r, 0.4, b][i % 3]);
 *   return { width: 4, height: 4, data };
 * };
 * const labelled = (k: number) => [
 *   { image: cell(0.8 + 0.01 * k, 0.3), positive: true },
 *   { image: cell(0.3, 0.8 + 0.01 * k), positive: false },
 * ];
 * const train = [0, 1, 2, 3].flatMap(labelled);
 * const val = [4, 5].flatMap(labelled);
 * const baseline = fitColourBaseline(train, val);
 * const p = predictColourBaseline(baseline, cell(0.85, 0.3)); // p(all) of a reddish cell
 * assert.ok(p >= baseline.threshold); // predicted `all`
 * ```
 */
export function predictColourBaseline(b: Pick<ColourBaseline, "bins" | "model">, img: FloatRgbImage): number {
  return sigmoid(logisticLogit(b.model, colourFeatures(img, b.bins)));
}

/**
 * Fits on `train`, chooses the threshold on `val`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 4×4 cells: reddish ones are `all`, bluish ones `normal` (the real ones are resized fixtures)
 * const cell = (r: number, b: number) => {
 *   const data = new Float32Array(48).map((_, i) => [r, 0.4, b][i % 3]);
 *   return { width: 4, height: 4, data };
 * };
 * const labelled = (k: number) => [
 *   { image: cell(0.8 + 0.01 * k, 0.3), positive: true },
 *   { image: cell(0.3, 0.8 + 0.01 * k), positive: false },
 * ];
 * const train = [0, 1, 2, 3].flatMap(labelled);
 * const val = [4, 5].flatMap(labelled);
 * const b = fitColourBaseline(train, val, { targetSensitivity: 0.99 });
 * assert.deepEqual([b.kind, b.bins, b.trainCount], ["colour-logistic", 4, 8]);
 * assert.ok(b.threshold > 0 && b.threshold < 1);
 * ```
 */
export function fitColourBaseline(
  train: readonly LabelledFloat[],
  val: readonly LabelledFloat[],
  opts: ColourFitOptions = {},
): ColourBaseline {
  const bins = opts.bins ?? 4;
  const targetSensitivity = opts.targetSensitivity ?? 0.99;
  if (new Set(train.map((t) => t.positive)).size < 2) {
    throw new Error("fitColourBaseline: the train images must contain both labels");
  }
  const model = fitLogistic(train.map((t) => colourFeatures(t.image, bins)), train.map((t) => t.positive), {
    l2: opts.l2 ?? 1,
  });
  const rows = val.map((v) => ({ score: predictColourBaseline({ bins, model }, v.image), positive: v.positive }));
  const threshold = Math.min(1 - 1e-9, Math.max(1e-9, thresholdForSensitivity(rows, targetSensitivity)));
  return { kind: "colour-logistic", bins, model, threshold, targetSensitivity, trainCount: train.length };
}

/**
 * Checks that parsed JSON is a {@link ColourBaseline}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 4×4 cells: reddish ones are `all`, bluish ones `normal` (the real ones are resized fixtures)
 * const cell = (r: number, b: number) => {
 *   const data = new Float32Array(48).map((_, i) => [r, 0.4, b][i % 3]);
 *   return { width: 4, height: 4, data };
 * };
 * const labelled = (k: number) => [
 *   { image: cell(0.8 + 0.01 * k, 0.3), positive: true },
 *   { image: cell(0.3, 0.8 + 0.01 * k), positive: false },
 * ];
 * const train = [0, 1, 2, 3].flatMap(labelled);
 * const val = [4, 5].flatMap(labelled);
 * // evaluate_shift keeps the fitted baseline as runs/<run>/shift_baseline.json
 * const json = JSON.stringify(fitColourBaseline(train, val));
 * const b = parseColourBaseline(JSON.parse(json));
 * assert.equal(b.kind, "colour-logistic");
 * assert.throws(() => parseColourBaseline({ kind: "colour-logistic", bins: 4 }), /delete the file to refit it/);
 * ```
 */
export function parseColourBaseline(value: unknown): ColourBaseline {
  const v = value as Partial<ColourBaseline> | null;
  const m = v?.model;
  const dim = Number.isInteger(v?.bins) ? v!.bins! ** 3 + 6 : -1;
  if (
    !v || v.kind !== "colour-logistic" || typeof v.threshold !== "number" || !m || typeof m.bias !== "number" ||
    [m.weights, m.mean, m.scale].some((a) => !Array.isArray(a) || a.length !== dim)
  ) {
    throw new Error("not a colour-logistic shift baseline (kind, bins, model, threshold); delete the file to refit it");
  }
  return v as ColourBaseline;
}
