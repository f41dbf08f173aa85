import assert from "node:assert/strict";
import { BEYOND_GRID, SHIFT_GRID } from "./grid.ts";
import { formatShiftTable, summarizeShift } from "./report.ts";

const [identity, dark, bright] = SHIFT_GRID;

Deno.test("summarizeShift: per-cell rates, worst cells and drops in points", () => {
  // 4 positives, 2 negatives; threshold 0.5
  const positive = [true, true, true, true, false, false];
  const r = summarizeShift(positive, [
    { cell: identity, scores: [0.9, 0.8, 0.7, 0.6, 0.1, 0.2] }, // sens 1, spec 1
    { cell: dark, scores: [0.9, 0.8, 0.7, 0.4, 0.1, 0.2] }, // sens 0.75
    { cell: bright, scores: [0.9, 0.8, 0.7, 0.6, 0.6, 0.2] }, // spec 0.5
  ], { threshold: 0.5, reviewBand: [0.3, 0.65] });
  assert.deepEqual(r.n, { all: 4, normal: 2 });
  assert.deepEqual(r.cells.map((c) => [c.sensitivity, c.specificity]), [[1, 1], [0.75, 1], [1, 0.5]]);
  assert.deepEqual(r.cells[1].confusion, { tp: 3, fn: 1, tn: 2, fp: 0 });
  assert.equal(r.cells[1].dropSensitivityPts, 25);
  assert.equal(r.cells[2].dropSpecificityPts, 50);
  assert.deepEqual(r.worst.sensitivity, { value: 0.75, cell: dark.name });
  assert.deepEqual(r.worst.specificity, { value: 0.5, cell: bright.name });
  assert.deepEqual(r.maxDropPts, { sensitivity: 25, specificity: 50 });
  assert.equal(r.withinTolerance, false);
  assert.equal(r.cells[0].reviewRate, 1 / 6); // only 0.6 is in [0.3, 0.65)
  assert.equal(r.cells[0].auroc, 1);
  assert.deepEqual(r.cells.map((c) => c.flips), [{ lost: 0, gained: 0 }, { lost: 1, gained: 0 }, {
    lost: 1,
    gained: 0,
  }]);
  assert.deepEqual(r.pointsPerImage, { sensitivity: 25, specificity: 50 });
  const table = formatShiftTable("model", r);
  assert.match(table, /brightness×0\.9\s+0\.750\s+1\.000/);
  assert.match(table, /-25\.0\s+\+0\.0\s+1\/0/);
  assert.match(table, /EXCEEDS 2 pts/);
});

Deno.test("summarizeShift: improvements are negative drops and pass the tolerance", () => {
  const r = summarizeShift([true, false], [
    { cell: identity, scores: [0.4, 0.1] },
    { cell: dark, scores: [0.6, 0.1] },
  ], { threshold: 0.5 });
  assert.equal(r.cells[1].dropSensitivityPts, -100);
  assert.deepEqual(r.maxDropPts, { sensitivity: 0, specificity: 0 });
  assert.equal(r.withinTolerance, true);
});

Deno.test("summarizeShift refuses a grid without identity or with missing scores", () => {
  assert.throws(() => summarizeShift([true], [{ cell: dark, scores: [0.5] }], { threshold: 0.5 }), /identity/);
  assert.throws(
    () => summarizeShift([true, false], [{ cell: identity, scores: [0.5] }], { threshold: 0.5 }),
    /1 scores for 2 images/,
  );
});

Deno.test("summarizeShift: cells beyond the grid are reported but never count towards the target", () => {
  const [lampWarm] = BEYOND_GRID;
  const positive = [true, true, false];
  const r = summarizeShift(positive, [
    { cell: identity, scores: [0.9, 0.8, 0.1] },
    { cell: dark, scores: [0.9, 0.8, 0.1] },
    { cell: lampWarm, scores: [0.9, 0.2, 0.7] }, // sens 0.5, spec 0
  ], { threshold: 0.5 });
  assert.equal(r.cells.length, 3);
  assert.equal(r.cells[2].kind, "beyond");
  assert.deepEqual(r.maxDropPts, { sensitivity: 0, specificity: 0 });
  assert.equal(r.withinTolerance, true);
  assert.deepEqual(r.beyond?.maxDropPts, { sensitivity: 50, specificity: 100 });
  assert.equal(r.beyond?.worst.sensitivity.cell, lampWarm.name);
  assert.match(formatShiftTable("m", r), /beyond the grid \(not in the target\): worst sensitivity 0\.500/);
  // without beyond cells there is no beyond summary
  assert.equal(
    summarizeShift(positive, [{ cell: identity, scores: [0.9, 0.8, 0.1] }], { threshold: 0.5 }).beyond,
    undefined,
  );
});

Deno.test("summarizeShift: with domain flags, what the service answers (review, missed ALL, false ALL)", () => {
  const positive = [true, true, true, false, false];
  const r = summarizeShift(positive, [
    { cell: identity, scores: [0.9, 0.1, 0.5, 0.1, 0.95], outOfDomain: [false, false, false, false, false] },
    // image 1 (ALL, scored low) is flagged: review instead of a missed ALL
    { cell: dark, scores: [0.9, 0.1, 0.5, 0.1, 0.95], outOfDomain: [false, true, false, false, false] },
  ], { threshold: 0.6, reviewBand: [0.4, 0.6] });
  // identity: image 2 in the band → review; image 1 missed; image 4 false ALL
  assert.deepEqual(r.cells[0].service, { reviewRate: 0.2, outOfDomainRate: 0, missedAll: 1, falseAll: 1 });
  assert.deepEqual(r.cells[1].service, { reviewRate: 0.4, outOfDomainRate: 0.2, missedAll: 0, falseAll: 1 });
  assert.match(formatShiftTable("m", r), /service: review \(ood\)/);
  // without a review band there is no service view
  assert.equal(
    summarizeShift(positive, [{
      cell: identity,
      scores: [0.9, 0.1, 0.5, 0.1, 0.95],
      outOfDomain: [false, false, false, false, false],
    }], { threshold: 0.6 }).cells[0].service,
    undefined,
  );
});
