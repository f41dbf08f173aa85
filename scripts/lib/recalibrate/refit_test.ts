import assert from "node:assert/strict";
import { probabilityFromLogit, seededRandom } from "../../../model/core/mod.ts";
import { chooseOperatingPoint } from "../metrics/threshold.ts";
import { crossValidate, fitPoint, type LabScore, resolvedBy } from "./refit.ts";

/** `nAll` ALL images with logits around +2 and `nNormal` normal images around −2, seeded. */
function labRows(nAll: number, nNormal: number, seed = 7): LabScore[] {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return [
    ...Array.from(
      { length: nAll },
      (_, i) => ({ positive: true, group: `a${i % 17}`, logit: 2 + 1.5 * gauss(), outOfDomain: false }),
    ),
    ...Array.from(
      { length: nNormal },
      (_, i) => ({ positive: false, group: `n${i % 11}`, logit: -2 + 1.5 * gauss(), outOfDomain: i % 9 === 0 }),
    ),
  ];
}

const RULE = { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.99 };

Deno.test("fitPoint without a shipped point is the card's own rule (chooseOperatingPoint), to the bit", () => {
  for (const seed of [1, 2, 3]) {
    const rows = labRows(300, 120, seed);
    const t = 0.7;
    const p = fitPoint(rows, RULE, t);
    const op = chooseOperatingPoint(
      rows.map((r) => ({ score: probabilityFromLogit(r.logit, t), positive: r.positive })),
      RULE.targetSensitivity,
      RULE.bandSensitivity,
      RULE.bandSpecificity,
    );
    assert.deepEqual([p.threshold, p.reviewBand], [op.threshold, op.reviewBand], `seed ${seed}`);
    assert.deepEqual(p.held, { threshold: false, low: false, high: false });
  }
});

Deno.test("fitPoint holds an edge at the shipped value one image short of resolving its rate, and not at it", () => {
  // every lab score high: alone, the lab's images would raise the threshold and the low edge far
  const shipped = { temperature: 1, threshold: 0.5, reviewBand: [0.05, 0.9] as [number, number] };
  const rows = (nAll: number, nNormal: number): LabScore[] => [
    ...Array.from(
      { length: nAll },
      (_, i) => ({ positive: true, group: `a${i}`, logit: 5 + (i % 7) / 7, outOfDomain: false }),
    ),
    ...Array.from(
      { length: nNormal },
      (_, i) => ({ positive: false, group: `n${i}`, logit: -5 - (i % 5) / 5, outOfDomain: false }),
    ),
  ];
  const need = resolvedBy(RULE.targetSensitivity); // 100
  assert.equal(need, 100);
  const short = fitPoint(rows(need - 1, 120), RULE, 1, shipped);
  assert.deepEqual(short.held, { threshold: true, low: true, high: false });
  assert.equal(short.threshold, 0.5);
  assert.equal(short.reviewBand[0], 0.05);
  const enough = fitPoint(rows(need, 120), RULE, 1, shipped);
  assert.deepEqual(enough.held, { threshold: false, low: true, high: false }); // 0.998 needs 500
  assert.ok(enough.threshold > 0.99, `${enough.threshold}`);
  const many = fitPoint(rows(resolvedBy(RULE.bandSensitivity), 120), RULE, 1, shipped);
  assert.deepEqual(many.held, { threshold: false, low: false, high: false });
  assert.ok(many.reviewBand[0] > 0.99, `${many.reviewBand[0]}`);
  // the top: lowered below the shipped 0.9 only with 100 normal images (with fewer ALL images,
  // so that the threshold, which the band always holds, stays below 0.9)
  const top = (nNormal: number) => fitPoint(rows(50, nNormal), RULE, 1, shipped);
  assert.deepEqual([top(99).held.high, top(99).reviewBand[1]], [true, 0.9]);
  assert.equal(top(100).held.high, false);
  assert.equal(top(100).reviewBand[1], 0.5); // the normal images all score far below: down to the (held) threshold
});

Deno.test("fitPoint never holds an edge that the lab moves the cautious way", () => {
  // lab ALL scores low: its threshold and low edge fall below the shipped ones, and are taken
  const shipped = { temperature: 1, threshold: 0.5, reviewBand: [0.05, 0.9] as [number, number] };
  const rows: LabScore[] = [
    ...Array.from({ length: 10 }, (_, i) => ({ positive: true, group: `a${i}`, logit: -4 + i, outOfDomain: false })),
    ...Array.from({ length: 10 }, (_, i) => ({ positive: false, group: `n${i}`, logit: -6 - i, outOfDomain: false })),
  ];
  const p = fitPoint(rows, RULE, 1, shipped);
  assert.deepEqual(p.held, { threshold: false, low: false, high: true });
  assert.equal(p.threshold, probabilityFromLogit(-4, 1));
  assert.deepEqual(p.reviewBand, [probabilityFromLogit(-4, 1), 0.9]);
});

Deno.test("crossValidate answers every image once, from a point not fitted on its patient", () => {
  const rows = labRows(200, 80);
  const cv = crossValidate(rows, RULE, 1, 5, 3);
  assert.equal(cv.folds, 5);
  assert.equal(cv.answers.length, rows.length);
  rows.forEach((r, i) => {
    assert.equal(cv.answers[i].group, r.group, `row ${i}`);
    assert.equal(cv.answers[i].positive, r.positive, `row ${i}`);
    if (r.outOfDomain) assert.equal(cv.answers[i].decision, "review", `row ${i}`);
  });
  // each fold's point differs from the point on every row (it was fitted without some patients)
  const all = fitPoint(rows, RULE, 1);
  assert.ok(cv.points.some((p) => p.threshold !== all.threshold || p.reviewBand[0] !== all.reviewBand[0]));
  // fewer patients of a class than folds: capped
  const few = [
    ...rows.filter((r) => r.positive),
    ...rows.filter((r) => !r.positive).map((r) => ({ ...r, group: r.group === "n0" ? "n0" : "n1" })),
  ];
  assert.equal(crossValidate(few, RULE, 1, 5, 3).folds, 2);
});
