/**
 * The input-domain check a card carries, fitted from a run's model and its split manifest: the
 * Mahalanobis distance in the model's pooled-feature space fitted on the TRAIN originals
 * (unshifted) with covariance shrinkage toward the diagonal, its threshold a quantile of the VAL
 * originals' distances ({@link fitFeatureCheck}), beside generous sanity ranges of the training
 * originals' statistics ({@link fitSanityRanges} with {@link SANITY_FIT}). One fit for the domain
 * step (`scripts/fit_domain.ts --features`, which adds its report) and the card step
 * (`scripts/card.ts`, when the run folder has no `domain.json`).
 *
 * @module
 */
import { type DomainCheck, type ModelRuntime, type RgbaImage, toFloatRgb } from "../../../model/core/mod.ts";
import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
import { hasValSplit, loadImages, selectItems } from "../shift/load.ts";
import { type FeatureFitOptions, fitFeatureCheck } from "./features.ts";
import { concatMeasured, type Measured, measureImages } from "./measure.ts";
import { fitSanityRanges, SANITY_STATISTICS, type SanityFitOptions } from "./sanity.ts";

/** The sanity ranges' settings beside the feature distance (recorded in the domain report). */
export const SANITY_FIT = {
  names: [...SANITY_STATISTICS],
  quantiles: [0.001, 0.999] as [number, number],
  lowFactor: 0.5,
  margin: 0.5,
  minPad: 0.05,
} as const satisfies SanityFitOptions;

/**
 * Loads, resizes and measures manifest items `chunk` at a time (the images are not all held);
 * `onChunk` sees each chunk's decoded images.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModelRuntime } from "../../../model/core/mod.ts";
 * import { syntheticFeatureModel } from "../../../tests/helpers/feature_model.ts";
 * import { fixtureManifest } from "../../../tests/helpers/domain_manifest.ts";
 * const { bytes, card } = await syntheticFeatureModel();
 * const runtime = await createModelRuntime(card, bytes);
 * const manifest = fixtureManifest();
 * const m = await measureItems(runtime, manifest, manifest.items.slice(0, 3), 2);
 * assert.deepEqual([m.features.n, m.logits.length, m.stats.length], [3, 3, 3]);
 * await runtime.close();
 * ```
 */
export async function measureItems(
  runtime: Pick<ModelRuntime, "card" | "score">,
  manifest: SplitManifest,
  items: readonly ManifestItem[],
  chunk: number,
  onChunk?: (rgba: RgbaImage[]) => Promise<void>,
  log?: (s: string) => void,
): Promise<Measured> {
  const parts: Measured[] = [];
  for (let start = 0; start < items.length; start += chunk) {
    const loaded = await loadImages(manifest, items.slice(start, start + chunk));
    const rgba = loaded.map((l) => l.rgba);
    parts.push(await measureImages(runtime, rgba.map((img) => toFloatRgb(img, runtime.card.preprocess))));
    await onChunk?.(rgba);
    log?.(`  ${Math.min(start + chunk, items.length)}/${items.length}`);
  }
  return concatMeasured(parts);
}

/** Options of {@link fitFeatureDomain}. */
export interface FeatureDomainOptions extends Pick<FeatureFitOptions, "shrinkage" | "quantile"> {
  /** Images decoded and run at a time (default 64). */
  chunk?: number;
  /** At most this many images per split, spread evenly (quick runs). */
  limit?: number;
  /** Sees each chunk of decoded training images (`fit_domain.ts --legacy-ranges`). */
  onTrainChunk?: (rgba: RgbaImage[]) => Promise<void>;
  /** Progress lines. */
  log?: (s: string) => void;
}

/** What {@link fitFeatureDomain} fitted, and what it measured to fit it. */
export interface FeatureDomainFit {
  /** The card's `domain`: sanity ranges and the feature distance. */
  domain: DomainCheck & { features: NonNullable<DomainCheck["features"]> };
  train: Measured;
  val: Measured;
  /** The validation originals' feature distances (the threshold is their quantile). */
  valDistances: number[];
}

/**
 * Fits the feature-distance domain check and the sanity ranges on the manifest's train and val
 * originals, with `runtime` (a model with a pooled-features output). Throws when a split has no
 * originals, an image cannot be read, or the model has no features output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModelRuntime } from "../../../model/core/mod.ts";
 * import { syntheticFeatureModel } from "../../../tests/helpers/feature_model.ts";
 * import { fixtureManifest } from "../../../tests/helpers/domain_manifest.ts";
 * const { bytes, card } = await syntheticFeatureModel();
 * const runtime = await createModelRuntime(card, bytes);
 * const { domain, train, val } = await fitFeatureDomain(runtime, fixtureManifest(), { quantile: 1 });
 * assert.equal(domain.features.dims, 6);
 * assert.deepEqual([domain.features.fitted.images, domain.features.fitted.validationImages], [train.features.n, val.features.n]);
 * assert.deepEqual(Object.keys(domain.ranges), ["stdR", "stdG", "stdB", "darkFraction"]);
 * await runtime.close();
 * ```
 */
export async function fitFeatureDomain(
  runtime: Pick<ModelRuntime, "card" | "score">,
  manifest: SplitManifest,
  opts: FeatureDomainOptions = {},
): Promise<FeatureDomainFit> {
  const chunk = opts.chunk ?? 64;
  const card = runtime.card;
  const trainItems = selectItems(manifest, { split: "train", limit: opts.limit });
  opts.log?.(`features of ${trainItems.length} train originals…`);
  const train = await measureItems(runtime, manifest, trainItems, chunk, opts.onTrainChunk, opts.log);
  // A refit on every non-test image has no val split: the threshold is then a quantile of the
  // training originals' own distances (`fitted.thresholdOn: "train"`; take the quantile higher).
  const refit = !hasValSplit(manifest);
  const valItems = refit ? [] : selectItems(manifest, { split: "val", limit: opts.limit });
  if (!refit) opts.log?.(`features of ${valItems.length} val originals…`);
  else opts.log?.(`no val split (a refit): the threshold is the training originals' quantile`);
  const val = refit ? train : await measureItems(runtime, manifest, valItems, chunk, undefined, opts.log);
  const fitted = fitFeatureCheck(train.features, val.features, {
    shrinkage: opts.shrinkage ?? "auto",
    quantile: opts.quantile ?? 0.995,
    output: card.domain?.features?.output ?? card.io.features ?? "features",
  });
  const features = refit
    ? { ...fitted.check, fitted: { ...fitted.check.fitted, thresholdOn: "train" as const } }
    : fitted.check;
  const valDistances = fitted.valDistances;
  const { ranges } = fitSanityRanges(train.stats, SANITY_FIT);
  return { domain: { ranges, features }, train, val, valDistances };
}
