/**
 * A split manifest over the committed fixture images (real cell images and their format
 * variants), for tests that fit the input-domain check on a manifest's train and val originals
 * (`scripts/lib/domain/feature_fit.ts`, the card step). Not a dataset: the splits are fixed by
 * hand, train 8 images, val 4, test 2.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ManifestItem, Split, SplitManifest } from "../../scripts/lib/data/split_manifest.ts";

/** The fixture images of each split (paths relative to `tests/fixtures/images`). */
export const FIXTURE_SPLITS: Readonly<Record<Split, readonly string[]>> = {
  train: [
    "taleqani_Benign_WBC-Benign-001.jpg",
    "taleqani_Early_WBC-Malignant-Early-001.jpg",
    "cnmc_all_UID_35_6_2_all.png",
    "cnmc_hem_UID_H10_100_1_hem.png",
    "full_baseline.jpg",
    "variant_rgb8.png",
    "variant_palette8.png",
    "variant_rgb_lzw.tif",
  ],
  val: [
    "taleqani_Benign_WBC-Benign-001.libjpeg.png",
    "taleqani_Early_WBC-Malignant-Early-001.libjpeg.png",
    "full_progressive.jpg",
    "variant_rgba8.png",
  ],
  test: ["cnmc_all_UID_35_6_2_all.bmp", "variant_rgb24_topdown.bmp"],
};

/**
 * The manifest (`root`: the fixture folder; `dataset` as given, default `folders`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = fixtureManifest();
 * assert.deepEqual(m.counts.train, { all: 4, normal: 4 });
 * assert.equal(m.items.filter((i) => i.split === "val").length, 4);
 * ```
 */
export function fixtureManifest(dataset = "folders"): SplitManifest {
  const items: ManifestItem[] = [];
  const counts: Record<string, Record<string, number>> = {};
  for (const [split, paths] of Object.entries(FIXTURE_SPLITS) as [Split, readonly string[]][]) {
    paths.forEach((path, i) => {
      const label = i % 2 === 0 ? "normal" : "all";
      items.push({ path, label, group: path, split, sha256: "", view: "original" });
      counts[split] = { ...counts[split], [label]: (counts[split]?.[label] ?? 0) + 1 };
    });
  }
  return {
    version: 1,
    dataset,
    root: fileURLToPath(new URL("../fixtures/images", import.meta.url)),
    created: "2026-01-01T00:00:00.000Z",
    split: { seed: 1, fractions: { train: 0.6, val: 0.25, test: 0.15 }, method: "fixed by hand (test fixtures)" },
    counts,
    items,
  };
}
