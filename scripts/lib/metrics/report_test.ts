import assert from "node:assert/strict";
import { parsePredictions, type PredictionRow } from "./predictions.ts";
import { evaluatePredictions, formatEvalTable } from "./report.ts";

const row = (
  path: string,
  split: "val" | "test",
  label: "all" | "normal",
  logit: number,
  subtype?: string,
): PredictionRow => ({
  path,
  split,
  label,
  logit,
  ...(subtype ? { subtype } : {}),
});

// val: logit ±2, right 3 times in 4 per side → T = 2 / ln 3, calibrated p ∈ {0.25, 0.75}
const preds: PredictionRow[] = [
  row("v1", "val", "all", 2, "Pro"),
  row("v2", "val", "all", 2, "Pro"),
  row("v3", "val", "all", 2, "Pre"),
  row("v4", "val", "normal", 2, "Benign"),
  row("v5", "val", "normal", -2, "Benign"),
  row("v6", "val", "normal", -2, "Benign"),
  row("v7", "val", "normal", -2, "Benign"),
  row("v8", "val", "all", -2, "Pre"),
  row("t1", "test", "all", 10, "Pro"),
  row("t2", "test", "all", 1.9, "Pre"),
  row("t3", "test", "normal", -10, "Benign"),
  row("t4", "test", "normal", -2.5, "Benign"),
];

Deno.test("evaluatePredictions: temperature, threshold and band on val; test at that point", () => {
  const r = evaluatePredictions(preds, { resamples: 200, created: "x" });
  assert.ok(Math.abs(r.temperature - 2 / Math.log(3)) < 1e-5);
  assert.ok(Math.abs(r.threshold - 0.25) < 1e-6); // lowest val positive: sensitivity 1 ≥ 0.99
  assert.ok(Math.abs(r.reviewBand[0] - 0.25) < 1e-6);
  assert.ok(Math.abs(r.reviewBand[1] - 0.75) < 1e-6); // just above the highest val normal (p ≈ 0.75)
  const val = r.metrics.val!;
  assert.deepEqual(val.confusion, { tp: 4, fn: 0, tn: 0, fp: 4 });
  assert.equal(val.review.reviewCount, 8);
  assert.equal(val.metrics.sensitivity.value, 1);
  assert.deepEqual(val.metrics.sensitivity.ci95, [1, 1]);
  assert.ok(val.ece.calibrated < 1e-9); // p = 0.75 bin has 3/4 all, p = 0.25 bin 1/4
  assert.ok(val.nll.calibrated < val.nll.uncalibrated);
  const test = r.metrics.test!;
  // t1 p≈1 → all (auto); t2 p=sigmoid(1.9/T)≈0.737 → all, in band; t3 → normal (auto); t4 p≈0.19 → normal, below band
  assert.deepEqual(test.confusion, { tp: 2, fn: 0, tn: 2, fp: 0 });
  assert.deepEqual([test.review.reviewCount, test.review.missedAll, test.review.falseAll], [1, 0, 0]);
  assert.deepEqual(test.perSubtype.map((p) => [p.subtype, p.recall]), [["Benign", 1], ["Pre", 1], ["Pro", 1]]);
  assert.match(formatEvalTable(r), /sensitivity\s+1\.000 \[1\.000, 1\.000\]/);
  // 4 val and 2 test images per class and zero-width intervals: the report says so, in the JSON and the table
  assert.equal(r.warnings?.length, 9); // 2 splits under 100 per class + 7 zero-width intervals
  assert.equal(
    r.warnings?.[0],
    "val: 4 all and 4 normal images (fewer than 100): intervals are wide and the threshold coarse; evaluate on more images before relying on these numbers",
  );
  assert.ok(
    r.warnings?.includes(
      "test sensitivity 1.000 [1.000, 1.000]: a zero-width interval means no error was seen among 2 all images, not that none will happen (95% bound on the miss rate ≈ 3/2 = 1.000)",
    ),
  );
  assert.ok(formatEvalTable(r).endsWith(`warning: ${r.warnings?.at(-1)}`));
});

Deno.test("evaluatePredictions needs val; parsePredictions rejects bad rows", () => {
  assert.throws(() => evaluatePredictions(preds.filter((p) => p.split === "test")), /no val predictions/);
  assert.throws(() => parsePredictions({}), /expected a JSON array/);
  assert.throws(
    () => parsePredictions([{ path: "a", split: "train", label: "all", logit: 1 }]),
    /"split" must be val or test/,
  );
  assert.throws(
    () => parsePredictions([{ path: "a", split: "val", label: "all", logit: null }]),
    /"logit" must be a finite number/,
  );
  assert.throws(
    () =>
      parsePredictions([{ path: "a", split: "val", label: "all", logit: 1 }, {
        path: "a",
        split: "test",
        label: "all",
        logit: 1,
      }]),
    /appears twice/,
  );
  assert.equal(parsePredictions(preds).length, 12);
});

Deno.test("attachGroups adds groups and rejects predictions from another split", async () => {
  const { attachGroups } = await import("./predictions.ts");
  const items = [
    { path: "v1", split: "val", group: "Pro:001-020", label: "all" },
    { path: "t1", split: "val", group: "Pro:021-040", label: "all" },
  ];
  const { rows, missing } = attachGroups(preds.filter((p) => p.path === "v1" || p.path === "v2"), items);
  assert.equal(rows[0].group, "Pro:001-020");
  assert.deepEqual(missing, ["v2"]);
  assert.throws(
    () => attachGroups(preds.filter((p) => p.path === "t1"), items),
    /predicted as test but the manifest puts it on val/,
  );
  const r = evaluatePredictions(
    rows.concat(preds.filter((p) => p.path !== "v1" && p.path !== "v2" && p.split === "val")),
    { resamples: 50 },
  );
  assert.match(r.bootstrap.method, /cluster bootstrap/);
});

Deno.test("evaluatePredictions at a fixed point: nothing fitted on val, images exactly at the threshold and at the band's edges", () => {
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const point = {
    temperature: 1,
    threshold: sigmoid(1.9), // t2 exactly
    reviewBand: [sigmoid(-2.5), sigmoid(2)] as [number, number], // t4 exactly at the low edge; val's +2 at the high
    rule: { targetSensitivity: 0.99, bandSensitivity: 0.995, bandSpecificity: 0.99 },
    chosenOn: "out-of-fold: folds.json (2340 images)",
  };
  const r = evaluatePredictions(preds, { point, resamples: 50, created: "x" });
  assert.equal(r.temperature, 1);
  assert.equal(r.threshold, point.threshold);
  assert.deepEqual(r.reviewBand, point.reviewBand);
  assert.equal(r.operatingPoint.chosenOn, point.chosenOn);
  assert.equal(r.operatingPoint.bandSensitivity, 0.995);
  assert.match(r.operatingPoint.bandRule, /largest p with out-of-fold sensitivity ≥ target/);
  // val: logit 2 → p = the band's high edge: `all`, not review; logit −2 → below threshold, in band
  assert.deepEqual(r.metrics.val!.confusion, { tp: 3, fn: 1, tn: 3, fp: 1 });
  assert.equal(r.metrics.val!.review.reviewCount, 4);
  // test: t2 at the threshold → all (in band: review); t4 at the low edge → review
  assert.deepEqual(r.metrics.test!.confusion, { tp: 2, fn: 0, tn: 2, fp: 0 });
  assert.equal(r.metrics.test!.review.reviewCount, 2);
  assert.throws(
    () => evaluatePredictions(preds, { point: { ...point, threshold: 0.999 } }),
    /fixed operating point \(out-of-fold: folds\.json \(2340 images\)\) needs temperature > 0 and 0 < low ≤ threshold ≤ high < 1/,
  );

  // a refit on every non-test image: no val rows; at the fixed point the test side is the same
  const testOnly = preds.filter((p) => p.split === "test");
  const refit = evaluatePredictions(testOnly, { point, resamples: 50, created: "x" });
  assert.equal(refit.metrics.val, undefined);
  assert.deepEqual(refit.metrics.test, r.metrics.test);
  assert.doesNotMatch(formatEvalTable(refit), /\bval\b/);
  assert.throws(() => evaluatePredictions(testOnly), /no val predictions.*--point FILE/);
  assert.throws(() => evaluatePredictions([], { point }), /no val or test predictions/);
});
