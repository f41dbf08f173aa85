import assert from "node:assert/strict";
import { checkDomain, fitDomainRanges, quantileSorted } from "./fit.ts";

Deno.test("quantileSorted interpolates linearly", () => {
  assert.equal(quantileSorted([0, 10], 0.25), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantileSorted([7], 0.9), 7);
});

Deno.test("fitDomainRanges: quantiles widened by a margin, clipped to the statistic's limits", () => {
  const rows = Array.from({ length: 101 }, (_, i) => ({ meanR: 0.4 + i * 0.002, darkFraction: i * 0.0001, stdG: 0.1 }));
  const { ranges } = fitDomainRanges(rows, { quantiles: [0.1, 0.9], margin: 0.5 });
  // meanR quantiles: 0.42 and 0.58; pad 0.08 → [0.34, 0.66]
  assert.ok(Math.abs(ranges.meanR[0] - 0.34) < 1e-6 && Math.abs(ranges.meanR[1] - 0.66) < 1e-6, String(ranges.meanR));
  assert.equal(ranges.darkFraction[0], 0); // 0.001 - 0.004 clipped at 0
  assert.deepEqual(ranges.stdG, [0.09, 0.11]); // constant in training: widened by minPad 0.01
  assert.deepEqual(Object.keys(ranges).sort(), ["darkFraction", "meanR", "stdG"]);
});

Deno.test("fitDomainRanges: default 0.5%–99.5% ignores a single extreme image", () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ meanB: 0.5 + (i % 10) * 0.01 }));
  rows[0] = { meanB: 0.05 };
  const { ranges } = fitDomainRanges(rows, { margin: 0, minPad: 0 });
  assert.ok(ranges.meanB[0] >= 0.5 && ranges.meanB[1] <= 0.59 + 1e-9, String(ranges.meanB));
});

Deno.test("fitDomainRanges refuses bad input with instructions", () => {
  assert.throws(() => fitDomainRanges([]), /compute imageStats/);
  assert.throws(() => fitDomainRanges([{ a: 1 }], { quantiles: [0.9, 0.1] }), /quantiles/);
  assert.throws(() => fitDomainRanges([{ a: 1 }], { minPad: -1 }), /minPad/);
  assert.throws(() => fitDomainRanges([{ a: 1 }, { a: NaN }], { names: ["a"] }), /"a" is missing or not finite/);
});

Deno.test("checkDomain: in range → no reasons; each violated statistic is named", () => {
  const check = { ranges: { meanR: [0.4, 0.9] as [number, number], darkFraction: [0, 0.2] as [number, number] } };
  assert.deepEqual(checkDomain({ meanR: 0.5, darkFraction: 0.1 }, check), []);
  const reasons = checkDomain({ meanR: 0.1, darkFraction: 0.6 }, check);
  assert.equal(reasons.length, 2);
  assert.match(reasons[0], /meanR/);
  assert.match(reasons[1], /darkFraction/);
});
