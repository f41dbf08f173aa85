/**
 * What the feature domain check needs of a set of images: the model's pooled features and logits
 * (one batched run) and `imageStats` of the resized images; and how the service's check flags
 * them (core `checkDomain`, the exact rule the service applies).
 *
 * @module
 */
import {
  checkDomain,
  type DomainCheck,
  featureDistance,
  imageStats,
  normalizeToTensor,
} from "../../../model/core/mod.ts";
import type { FloatRgbImage, ModelRuntime } from "../../../model/core/mod.ts";
import type { FeatureRows } from "./features.ts";

/** Features, logits and statistics of a set of images (same order). */
export interface Measured {
  features: FeatureRows;
  logits: number[];
  stats: Record<string, number>[];
}

/**
 * Runs the model on resized [0, 1] images (the card's crop and resize already applied, as
 * `toFloatRgb` gives them) and collects their features, logits and statistics. Throws when the
 * model has no features output, saying how to get one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModelRuntime } from "../../../model/core/mod.ts";
 * import { syntheticFeatureModel } from "../../../tests/helpers/feature_model.ts";
 * const { bytes, card } = await syntheticFeatureModel();
 * const runtime = await createModelRuntime(card, bytes);
 * const img = { width: 32, height: 32, data: new Float32Array(32 * 32 * 3).map((_, i) => (i % 7) / 7) };
 * const m = await measureImages(runtime, [img, img]);
 * assert.deepEqual([m.features.n, m.logits.length, m.stats.length], [2, 2, 2]);
 * assert.equal(m.features.data.length, 2 * m.features.dims);
 * await runtime.close();
 * ```
 */
export async function measureImages(
  runtime: Pick<ModelRuntime, "card" | "score">,
  images: readonly FloatRgbImage[],
): Promise<Measured> {
  const spec = runtime.card.preprocess;
  const per = 3 * spec.size * spec.size;
  if (images.length === 0) return { features: { data: new Float32Array(0), n: 0, dims: 0 }, logits: [], stats: [] };
  const batch = new Float32Array(images.length * per);
  images.forEach((img, i) => normalizeToTensor(img, spec, "NCHW", batch, i * per));
  const out = await runtime.score(batch, images.length, { features: true });
  if (!out.features || !out.featureDims) {
    throw new Error(
      `the model has no pooled-features output (graph output "features"); export it again with ` +
        `scripts/export.ts, which adds it for a model with a GlobalAveragePooling2D named "gap"`,
    );
  }
  return {
    features: { data: out.features, n: images.length, dims: out.featureDims },
    logits: Array.from(out.logits),
    stats: images.map(imageStats),
  };
}

/**
 * Appends measured sets (chunks of one set) in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = { features: { data: Float32Array.from([1, 2]), n: 1, dims: 2 }, logits: [0.5], stats: [{ stdR: 0.1 }] };
 * const b = { features: { data: Float32Array.from([3, 4]), n: 1, dims: 2 }, logits: [-1], stats: [{ stdR: 0.2 }] };
 * const ab = concatMeasured([a, b]);
 * assert.deepEqual([...ab.features.data], [1, 2, 3, 4]);
 * assert.deepEqual(ab.logits, [0.5, -1]);
 * ```
 */
export function concatMeasured(parts: readonly Measured[]): Measured {
  const nonEmpty = parts.filter((p) => p.features.n > 0);
  const dims = nonEmpty[0]?.features.dims ?? 0;
  const n = nonEmpty.reduce((s, p) => s + p.features.n, 0);
  const data = new Float32Array(n * dims);
  let at = 0;
  for (const p of nonEmpty) {
    data.set(p.features.data, at);
    at += p.features.data.length;
  }
  return {
    features: { data, n, dims },
    logits: nonEmpty.flatMap((p) => p.logits),
    stats: nonEmpty.flatMap((p) => p.stats),
  };
}

/** How a domain check flags a measured set. */
export interface FeatureFlagSummary {
  n: number;
  /** Flagged by the service's rule (any range or the feature distance). */
  flagged: number;
  /** Flagged by the feature distance (whatever the ranges say). */
  flaggedByFeatures: number;
  /** Images outside each range. */
  flaggedByStatistic: Record<string, number>;
  /** Per image: flagged by the service's rule. */
  isFlagged: boolean[];
  /** Per image: the feature distance (NaN without a feature check). */
  distances: number[];
}

/**
 * Applies the card's domain check exactly as the service does, and counts why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const domain = { ranges: { stdR: [0.05, 0.3] as [number, number] }, features: { output: "features",
 *   mean: [0, 0], whitening: [1, 0, 0, 1], dims: 2, threshold: 2,
 *   fitted: { images: 9, shrinkage: 0, quantile: 1, validationImages: 3 } } };
 * const m = { features: { data: Float32Array.from([0, 1, 3, 0, 0, 0]), n: 3, dims: 2 }, logits: [0, 0, 0],
 *   stats: [{ stdR: 0.1 }, { stdR: 0.1 }, { stdR: 0 }] };
 * const s = summarizeFeatureFlags(m, domain);
 * assert.deepEqual([s.flagged, s.flaggedByFeatures, s.flaggedByStatistic.stdR], [2, 1, 1]);
 * assert.deepEqual(s.distances, [1, 3, 0]);
 * ```
 */
export function summarizeFeatureFlags(m: Measured, domain: DomainCheck): FeatureFlagSummary {
  const { n, dims } = m.features;
  const byStatistic: Record<string, number> = {};
  const isFlagged: boolean[] = [];
  const distances: number[] = [];
  let byFeatures = 0;
  for (let i = 0; i < n; i++) {
    const f = m.features.data.subarray(i * dims, (i + 1) * dims);
    isFlagged.push(checkDomain(domain, m.stats[i], f).length > 0);
    for (const [name, [lo, hi]] of Object.entries(domain.ranges)) {
      const v = m.stats[i][name];
      if (!(v >= lo && v <= hi)) byStatistic[name] = (byStatistic[name] ?? 0) + 1;
    }
    const d = domain.features ? featureDistance(domain.features, f) : NaN;
    distances.push(d);
    if (domain.features && !(d <= domain.features.threshold)) byFeatures++;
  }
  return {
    n,
    flagged: isFlagged.filter(Boolean).length,
    flaggedByFeatures: byFeatures,
    flaggedByStatistic: byStatistic,
    isFlagged,
    distances,
  };
}
