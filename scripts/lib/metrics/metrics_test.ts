import assert from "node:assert/strict";
import { bootstrapCI, quantile } from "./bootstrap.ts";
import { ece, fitTemperature, meanNll, reliabilityTable, sigmoid } from "./calibration.ts";
import { confusionAt, rates } from "./confusion.ts";
import { auroc, curvePoints, thinCurve } from "./ranking.ts";
import { perSubtype } from "./subtype.ts";
import { chooseOperatingPoint, thresholdForSensitivity, thresholdForSpecificity } from "./threshold.ts";
import type { Scored } from "./types.ts";

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

// positives 0.9 0.8 0.6 0.3; negatives 0.7 0.5 0.4 0.2 0.1
const rows: Scored[] = [
  ...[0.9, 0.8, 0.6, 0.3].map((score) => ({ score, positive: true })),
  ...[0.7, 0.5, 0.4, 0.2, 0.1].map((score) => ({ score, positive: false })),
];

Deno.test("confusion matrix and rates at 0.5 (hand-computed)", () => {
  const c = confusionAt(rows, 0.5);
  assert.deepEqual(c, { tp: 3, fn: 1, fp: 2, tn: 3 });
  const r = rates(c);
  close(r.accuracy, 6 / 9);
  close(r.sensitivity, 0.75);
  close(r.specificity, 0.6);
  close(r.precision, 0.6);
  close(r.npv, 0.75);
  close(r.f1, 6 / 9);
  close(r.f1Normal, 6 / 9);
  close(r.weightedF1, 2 / 3);
  close(r.balancedAccuracy, 0.675);
  // unequal supports: tp 8 fn 2 fp 1 tn 4 → F1(all)=16/19, F1(normal)=8/11, weighted (10·16/19 + 5·8/11)/15
  const w = rates({ tp: 8, fn: 2, fp: 1, tn: 4 });
  close(w.f1, 16 / 19);
  close(w.f1Normal, 8 / 11);
  close(w.weightedF1, (10 * 16 / 19 + 5 * 8 / 11) / 15);
  assert.ok(Number.isNaN(rates({ tp: 0, fn: 0, fp: 1, tn: 1 }).sensitivity));
});

Deno.test("AUROC counts pairs, ties count one half", () => {
  close(auroc(rows), 16 / 20);
  close(auroc([{ score: 0.5, positive: true }, { score: 0.5, positive: false }]), 0.5);
  close(
    auroc([
      { score: 0.5, positive: true },
      { score: 0.7, positive: true },
      { score: 0.5, positive: false },
      { score: 0.1, positive: false },
    ]),
    3.5 / 4,
  );
  assert.ok(Number.isNaN(auroc([{ score: 1, positive: true }])));
});

Deno.test("ROC/PR points walk down the distinct scores", () => {
  const pts = curvePoints(rows);
  assert.equal(pts.length, 10);
  assert.deepEqual(pts[0], { threshold: Infinity, tpr: 0, fpr: 0, precision: 1 });
  // at threshold 0.5: tp 3, fp 2
  const at = pts.find((p) => p.threshold === 0.5)!;
  close(at.tpr, 0.75);
  close(at.fpr, 0.4);
  close(at.precision, 0.6);
  assert.deepEqual([pts[9].tpr, pts[9].fpr], [1, 1]);
  // trapezoid area under the ROC polyline equals the rank AUROC
  let area = 0;
  for (let i = 1; i < pts.length; i++) area += (pts[i].fpr - pts[i - 1].fpr) * (pts[i].tpr + pts[i - 1].tpr) / 2;
  close(area, 0.8);
  assert.deepEqual(thinCurve([1, 2, 3, 4, 5], 3), [1, 3, 5]);
});

Deno.test("ECE and reliability table (15 bins)", () => {
  const two = [{ score: 0.8, positive: true }, { score: 0.8, positive: false }];
  close(ece(two), 0.3);
  close(ece([...two, { score: 0.1, positive: false }]), (2 / 3) * 0.3 + (1 / 3) * 0.1);
  const t = reliabilityTable([...two, { score: 1, positive: true }]);
  assert.equal(t.length, 15);
  assert.equal(t[12].count, 2);
  assert.equal(t[14].count, 1); // p = 1 lands in the last bin
  close(ece([{ score: 1, positive: true }, { score: 0, positive: false }]), 0);
});

Deno.test("temperature scaling finds the NLL minimum", () => {
  // logit ±2, right 3 times out of 4 → best p = 0.75 → 2/T = ln 3
  const data = [
    ...Array(3).fill({ logit: 2, positive: true }),
    { logit: 2, positive: false },
    ...Array(3).fill({ logit: -2, positive: false }),
    { logit: -2, positive: true },
  ];
  const T = fitTemperature(data);
  close(T, 2 / Math.log(3), 1e-5);
  assert.ok(meanNll(data, T) < meanNll(data, 1));
  close(meanNll([{ logit: 0, positive: true }], 1), Math.log(2));
  close(sigmoid(2, 2), sigmoid(1));
  close(sigmoid(-800), 0);
});

Deno.test("threshold for target sensitivity / specificity", () => {
  assert.equal(thresholdForSensitivity(rows, 0.5), 0.8);
  assert.equal(thresholdForSensitivity(rows, 0.75), 0.6);
  assert.equal(thresholdForSensitivity(rows, 0.99), 0.3);
  const t = thresholdForSpecificity(rows, 0.6);
  assert.ok(t > 0.4 && t < 0.40000001);
  close(rates(confusionAt(rows, t)).specificity, 0.6);
  assert.equal(rates(confusionAt(rows, 0.4)).specificity, 0.4);
  const op = chooseOperatingPoint(rows);
  assert.equal(op.threshold, 0.3);
  assert.equal(op.reviewBand[0], 0.3);
  assert.ok(op.reviewBand[1] > 0.7 && op.reviewBand[1] < 0.7000001);
  assert.equal(rates(confusionAt(rows, op.reviewBand[1])).specificity, 1);
  assert.throws(() => thresholdForSensitivity([{ score: 1, positive: false }], 0.99), /no `all` examples/);
});

Deno.test("bootstrap CI: seeded, contains the estimate, degenerate when perfect", () => {
  const sens = (s: Scored[]) => rates(confusionAt(s, 0.5)).sensitivity;
  const a = bootstrapCI(rows, sens, { seed: 3, resamples: 500 });
  assert.deepEqual(bootstrapCI(rows, sens, { seed: 3, resamples: 500 }), a);
  assert.ok(a[0] <= 0.75 && 0.75 <= a[1] && a[0] < a[1]);
  assert.deepEqual(bootstrapCI(rows, (s) => rates(confusionAt(s, 0.2)).sensitivity, { resamples: 200 }), [1, 1]);
  close(quantile([1, 2, 3, 4], 0.5), 2.5);
});

Deno.test("per-subtype recall", () => {
  const r = perSubtype([
    { score: 0.9, positive: true, subtype: "Pro" },
    { score: 0.1, positive: true, subtype: "Pro" },
    { score: 0.7, positive: true, subtype: "Early" },
    { score: 0.2, positive: false, subtype: "Benign" },
    { score: 0.6, positive: false },
  ], 0.5);
  assert.deepEqual(r, [
    { subtype: "Benign", label: "normal", n: 1, correct: 1, recall: 1 },
    { subtype: "Early", label: "all", n: 1, correct: 1, recall: 1 },
    { subtype: "Pro", label: "all", n: 2, correct: 1, recall: 0.5 },
  ]);
});

Deno.test("cluster bootstrap keeps groups whole and widens the interval", () => {
  // 10 groups of 10 positives: 5 groups fully detected, 5 fully missed → sensitivity 0.5
  const rows: (Scored & { g: string })[] = [];
  for (let g = 0; g < 10; g++) {
    for (let k = 0; k < 10; k++) rows.push({ score: g < 5 ? 0.9 : 0.1, positive: true, g: `g${g}` });
  }
  for (let k = 0; k < 20; k++) rows.push({ score: 0.1, positive: false, g: `n${k}` });
  const sens = (s: Scored[]) => rates(confusionAt(s, 0.5)).sensitivity;
  const plain = bootstrapCI(rows, sens, { seed: 2, resamples: 400 });
  const sizes = new Set<number>();
  const clustered = bootstrapCI(rows, (s) => {
    sizes.add(s.filter((r) => r.positive).length);
    return sens(s);
  }, { seed: 2, resamples: 400, groupOf: (r) => r.g });
  assert.deepEqual([...sizes], [100]); // 10 clusters of 10 drawn each time
  assert.ok(clustered[1] - clustered[0] > 2 * (plain[1] - plain[0]), `${clustered} vs ${plain}`);
  // each clustered resample is a multiple of 0.1 (whole groups)
  assert.ok(Math.abs(clustered[0] * 10 - Math.round(clustered[0] * 10)) < 1e-9);
});
