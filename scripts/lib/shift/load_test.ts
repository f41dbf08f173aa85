import assert from "node:assert/strict";
import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
import { loadImages, selectItems } from "./load.ts";

const item = (path: string, split: ManifestItem["split"], view = "original"): ManifestItem => ({
  path,
  label: "all",
  group: "g",
  split,
  sha256: "",
  view,
});
const manifest: SplitManifest = {
  version: 1,
  dataset: "fake",
  root: "tests/fixtures/images",
  created: "",
  counts: {},
  split: { seed: 1, fractions: { train: 0.5, val: 0.25, test: 0.25 }, method: "" },
  items: [
    item("a.png", "train"),
    item("a_seg.png", "train", "segmented"),
    item("b.png", "train"),
    item("c.png", "train"),
    item("d.png", "train"),
    item("e.png", "test"),
  ],
};

Deno.test("selectItems keeps the split's original views, evenly subsampled with a limit", () => {
  assert.deepEqual(selectItems(manifest, { split: "train" }).map((i) => i.path), ["a.png", "b.png", "c.png", "d.png"]);
  assert.deepEqual(selectItems(manifest, { split: "train", limit: 2 }).map((i) => i.path), ["a.png", "c.png"]);
  assert.equal(selectItems(manifest, { split: "all" }).length, 5);
  assert.equal(selectItems(manifest, { split: "train", views: ["segmented"] }).length, 1);
  assert.throws(() => selectItems(manifest, { split: "val" }), /no original items in split "val"/);
});

Deno.test("loadImages decodes files relative to the manifest root and explains a missing one", async () => {
  const m = { ...manifest, items: [item("cnmc_hem_UID_H10_100_1_hem.png", "test")] };
  const [loaded] = await loadImages(m, m.items);
  assert.deepEqual([loaded.rgba.width, loaded.rgba.height], [450, 450]);
  await assert.rejects(() => loadImages(m, [item("missing.png", "test")]), /cannot read .*missing\.png.*prepare_data/);
});
