/**
 * Test helper (Deno and Node) for the trainer's data-path tests: real fixture fields decoded and
 * resized as a run's cache holds them, the preprocessing they use, and all-v6's members' recipe.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { decodeImage, type FloatRgbImage, type PreprocessSpec, toFloatRgb } from "../../model/core/mod.ts";
import { type AugmentOptions, DEFAULT_AUGMENT } from "../../scripts/lib/train/augment.ts";

/** Real fields: a Taleqani benign and an early-ALL field, a C-NMC cell on black. */
export const FIELD_FILES = [
  "tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg",
  "tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg",
  "tests/fixtures/images/cnmc_hem_UID_H10_100_1_hem.png",
];

/** all-v6's members' augmentation (docs/TRAINING.md) without the source-size JPEG; greyscale on. */
export const ALL_V6_AUGMENT: AugmentOptions = {
  ...DEFAULT_AUGMENT,
  tone: { curve: 0.8, chroma: 0.8, minArea: 0.64, minScale: 0.7 },
};

/**
 * A `size`-px preprocessing (whole field, area resampling, per-image standardisation with minStd
 * 0.01) with `extra` on top.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(fieldSpec(48, { colorMode: "grey" }).colorMode, "grey");
 * ```
 */
export function fieldSpec(size: number, extra: Partial<PreprocessSpec> = {}): PreprocessSpec {
  return {
    size,
    crop: "none",
    resize: "area",
    channelOrder: "RGB",
    alphaBackground: 0,
    normalization: { mode: "per-image", minStd: 0.01 },
    ...extra,
  };
}

/**
 * `files` (paths from the repository root) decoded and resized by `spec`, as the trainer caches them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [field] = await loadFields(fieldSpec(16), FIELD_FILES.slice(0, 1));
 * assert.equal(field.data.length, 16 * 16 * 3);
 * ```
 */
export async function loadFields(
  spec: PreprocessSpec,
  files: readonly string[] = FIELD_FILES,
): Promise<FloatRgbImage[]> {
  const root = new URL("../../", import.meta.url);
  return await Promise.all(
    files.map(async (f) => toFloatRgb(await decodeImage(new Uint8Array(await readFile(new URL(f, root)))), spec)),
  );
}
