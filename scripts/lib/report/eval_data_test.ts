import assert from "node:assert/strict";
import type { PredictionRow } from "../metrics/predictions.ts";
import { confusionCells, misclassified, reliabilityRows, scorePredictions, subtypeCells } from "./eval_data.ts";

const pred = (path: string, split: "val" | "test", label: "all" | "normal", logit: number): PredictionRow => ({
  path,
  split,
  label,
  logit,
});

Deno.test("eval data: confusion with and without review band; misclassified order; reliability before/after", () => {
  const rows = scorePredictions([
    pred("t1", "test", "all", 3), // p .95 → all
    pred("t2", "test", "all", -3), // p .05 → normal: FN, confident
    pred("t3", "test", "all", -0.5), // p .38 → normal (FN) but in band → review
    pred("t4", "test", "normal", 2), // p .88 → all: FP, outside band
    pred("t5", "test", "normal", -3),
  ], 1);
  const op = { temperature: 1, threshold: 0.5, reviewBand: [0.3, 0.6] as [number, number] };
  const cells = confusionCells(rows, op);
  const count = (mode: string, truth: string, predicted: string) =>
    cells.find((c) => c.mode === mode && c.truth === truth && c.predicted === predicted)!.count;
  assert.deepEqual([
    count("threshold", "all", "all"),
    count("threshold", "all", "normal"),
    count("threshold", "normal", "all"),
    count("threshold", "normal", "normal"),
  ], [1, 2, 1, 1]);
  assert.deepEqual([
    count("with review band", "all", "normal"),
    count("with review band", "all", "review"),
    count("with review band", "all", "all"),
  ], [1, 1, 1]);
  assert.deepEqual(misclassified(rows, 0.5, "test").map((r) => [r.path, r.error]), [["t2", "false negative"], [
    "t3",
    "false negative",
  ], ["t4", "false positive"]]);
  const rel = reliabilityRows([pred("v1", "val", "all", 4), pred("v2", "val", "normal", 4)], 4, 10);
  assert.deepEqual(rel.map((r) => [r.calibration, r.count, r.fractionPositive]), [["before (T = 1)", 2, 0.5], [
    "after (T = 4.00)",
    2,
    0.5,
  ]]);
  assert.ok(rel[0].meanPredicted > 0.98 && Math.abs(rel[1].meanPredicted - 0.731) < 1e-3);
});

Deno.test("eval data: subtype confusion from the subtype head's argmax", () => {
  const row = (subtype: string, subtypeLogits: number[]): PredictionRow => ({
    path: subtype + subtypeLogits,
    split: "test",
    label: "all",
    subtype,
    logit: 1,
    subtypeLogits,
  });
  const cells = subtypeCells([row("Pre", [0, 2, 1]), row("Pre", [0, 1, 3]), row("Pro", [5, 0, 0]), {
    ...row("Pro", [0, 0, 1]),
    subtypeLogits: undefined,
  }], ["Benign", "Pre", "Pro"]);
  const get = (t: string, p: string) => cells.find((c) => c.truth === t && c.predicted === p)!;
  assert.deepEqual([get("Pre", "Pre").count, get("Pre", "Pro").count, get("Pre", "Pro").share], [1, 1, 0.5]);
  assert.deepEqual([get("Pro", "Benign").count, get("Pro", "Pro").count], [1, 0]);
  assert.equal(cells.length, 9);
});
