/**
 * The colour baseline: logistic regression on colour statistics, trained on the train split's
 * originals and scored on val and test, producing rows in the trainer's predictions format so
 * it is evaluated exactly like the CNN.
 *
 * @module
 */
import type { PredictionRow } from "../metrics/predictions.ts";
import type { ManifestItem } from "../data/split_manifest.ts";
import { fitLogistic, logisticLogit, type LogisticModel } from "./logistic.ts";

/** Options of {@link runColourBaseline}. */
export interface BaselineOptions {
  /** Also train on extra views (e.g. segmented twins) of train originals. Default false. */
  includeViews?: boolean;
  l2?: number;
}

/**
 * Fits on train items and returns predictions for val and test items, plus the model.
 * `features` turns one manifest item into its feature vector (decoding is the caller's job).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ManifestItem } from "../data/split_manifest.ts";
 * // manifest.items; the features are normally colourFeatures of the decoded image
 * const items: ManifestItem[] = Array.from({ length: 12 }, (_, i) => ({
 *   path: `cell-${i}.png`, label: i % 2 ? "all" : "normal", group: `g${i}`, sha256: `h${i}`, view: "original",
 *   split: i < 8 ? "train" : i < 10 ? "val" : "test",
 * }));
 * const featuresOf = (it: ManifestItem) => Promise.resolve([it.label === "all" ? 0.8 : 0.2]);
 * const { predictions, trainCount } = await runColourBaseline(items, featuresOf);
 * assert.equal(trainCount, 8);
 * assert.deepEqual(predictions.map((p) => [p.split, p.logit > 0]), [
 *   ["val", false], ["val", true], ["test", false], ["test", true],
 * ]);
 * ```
 */
export async function runColourBaseline(
  items: readonly ManifestItem[],
  features: (item: ManifestItem) => Promise<number[]>,
  opts: BaselineOptions = {},
): Promise<{ model: LogisticModel; predictions: PredictionRow[]; trainCount: number }> {
  const train = items.filter((i) => i.split === "train" && (opts.includeViews || i.view === "original"));
  const scored = items.filter((i) => i.split !== "train" && i.view === "original");
  if (train.length === 0) {
    throw new Error("manifest has no train items; re-run scripts/prepare_data.ts with a train fraction");
  }
  if (new Set(train.map((i) => i.label)).size < 2) {
    throw new Error("train split has only one label; the baseline needs all and normal");
  }
  const x: number[][] = [];
  for (const it of train) x.push(await features(it));
  const model = fitLogistic(x, train.map((i) => i.label === "all"), { l2: opts.l2 ?? 1 });
  const predictions: PredictionRow[] = [];
  for (const it of scored) {
    predictions.push({
      path: it.path,
      split: it.split as "val" | "test",
      label: it.label,
      ...(it.subtype !== undefined ? { subtype: it.subtype } : {}),
      logit: logisticLogit(model, await features(it)),
    });
  }
  return { model, predictions, trainCount: train.length };
}
