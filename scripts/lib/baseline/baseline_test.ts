import assert from "node:assert/strict";
import type { ManifestItem } from "../data/split_manifest.ts";
import { runColourBaseline } from "./baseline.ts";
import { colourFeatures } from "./features.ts";
import { fitLogistic, logisticLogit, solveLinear } from "./logistic.ts";

Deno.test("colourFeatures: joint histogram, means and stds", () => {
  const f = colourFeatures({ width: 2, height: 1, data: new Float32Array([0, 0, 0, 1, 1, 1]) }, 2);
  assert.deepEqual(f, [0.5, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  // pure red (1, 0, 0) with 4 bins: bin (3,0,0) = 48
  const red = colourFeatures({ width: 1, height: 1, data: new Float32Array([1, 0, 0]) }, 4);
  assert.equal(red.length, 64 + 6);
  assert.equal(red[48], 1);
  assert.throws(() => colourFeatures({ width: 2, height: 2, data: new Float32Array(3) }), /does not match/);
});

Deno.test("solveLinear and logistic regression", () => {
  const s = solveLinear([[2, 1], [1, 3]], [3, 5]);
  assert.ok(Math.abs(s[0] - 0.8) < 1e-12 && Math.abs(s[1] - 1.4) < 1e-12);
  // overlapping 1-D classes: the fitted boundary sits at the midpoint by symmetry
  const x = [[0], [1], [2], [3], [1.5], [2.5], [3.5], [4.5]];
  const y = [false, false, false, false, true, true, true, true];
  const m = fitLogistic(x, y, { l2: 0.01 });
  assert.ok(Math.abs(logisticLogit(m, [2.25])) < 1e-6);
  assert.ok(logisticLogit(m, [4]) > 0 && logisticLogit(m, [0.5]) < 0);
  // the gradient at the optimum is ~0 (unpenalised bias): mean p equals mean y
  const meanP = x.reduce((a, r) => a + 1 / (1 + Math.exp(-logisticLogit(m, r))), 0) / x.length;
  assert.ok(Math.abs(meanP - 0.5) < 1e-9);
});

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
