import assert from "node:assert/strict";
import type { ManifestItem } from "../data/split_manifest.ts";
import { runColourBaseline } from "./baseline.ts";

Deno.test("runColourBaseline trains on train originals and scores val/test originals", async () => {
  const item = (
    path: string,
    split: ManifestItem["split"],
    label: ManifestItem["label"],
    view = "original",
  ): ManifestItem => ({
    path,
    split,
    label,
    view,
    group: path,
    sha256: path,
  });
  const items = [
    item("a1", "train", "all"),
    item("a2", "train", "all"),
    item("n1", "train", "normal"),
    item("n2", "train", "normal"),
    item("a1s", "train", "all", "segmented"),
    item("a3", "val", "all"),
    item("n3", "test", "normal"),
  ];
  const value: Record<string, number> = { a1: 0.8, a2: 0.9, n1: 0.1, n2: 0.3, a1s: 100, a3: 0.7, n3: 0.2 };
  const seen: string[] = [];
  const r = await runColourBaseline(items, (it) => {
    seen.push(it.path);
    return Promise.resolve([value[it.path]]);
  });
  assert.equal(r.trainCount, 4);
  assert.ok(!seen.includes("a1s"));
  assert.deepEqual(r.predictions.map((p) => [p.path, p.split, p.logit > 0]), [["a3", "val", true], [
    "n3",
    "test",
    false,
  ]]);
});
