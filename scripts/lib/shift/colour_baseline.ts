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
 * predictColourBaseline(baseline, floatImg) >= baseline.threshold; // predicted `all`
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
 * const b = fitColourBaseline(trainImages, valImages); // { threshold, model, … }
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
 * const b = parseColourBaseline(JSON.parse(await readFile("runs/x/shift_baseline.json", "utf8")));
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
