/**
 * The reference stains of `--stain-normalize macenko`: fitted on the run's own training images
 * (originals only, every `every`-th), each preprocessed exactly as the model will see it up to the
 * stain step (crop, resize or scale normalisation, white balance), then `fitStainReference`.
 *
 * @module
 */
import {
  fitStainReference,
  type PreprocessSpec,
  type StainNormalization,
  toFloatRgb,
  whiteBalance,
} from "../../../model/core/mod.ts";
import type { SplitManifest } from "../data/split_manifest.ts";
import { loadImages } from "../shift/load.ts";

/**
 * Fits the reference stains on every `every`-th original training image of `manifest`, as `spec`
 * prepares them before its stain step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const manifest = {
 *   dataset: "taleqani", root: `${Deno.cwd()}/tests/fixtures/images`,
 *   items: ["Benign_WBC-Benign-001", "Early_WBC-Malignant-Early-001"].map((f) => ({
 *     path: `taleqani_${f}.jpg`, split: "train", label: "normal", view: "original", group: "g", sha256: "" })),
 * } as const;
 * const spec = { size: 96, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   whiteBalance: { brightFraction: 0.02 }, normalization: { mode: "per-image", minStd: 0.01 } } as const;
 * const ref = await fitStainReferenceOnTraining(manifest as never, spec, 1);
 * assert.equal(ref.method, "macenko");
 * assert.equal(ref.images, 2);
 * ```
 */
export async function fitStainReferenceOnTraining(
  manifest: SplitManifest,
  spec: PreprocessSpec,
  every = 4,
): Promise<StainNormalization & { images: number }> {
  const items = manifest.items.filter((i) => i.split === "train" && i.view === "original")
    .filter((_, k) => k % every === 0);
  if (items.length === 0) throw new Error("--stain-normalize: the manifest has no original training images");
  const loaded = await loadImages(manifest, items);
  const prepared = loaded.map(({ rgba }) => {
    const img = toFloatRgb(rgba, spec);
    return spec.whiteBalance ? whiteBalance(img, spec.whiteBalance) : img;
  });
  return fitStainReference(prepared);
}
