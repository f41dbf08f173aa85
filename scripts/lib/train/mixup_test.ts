import assert from "node:assert/strict";
import { betaSample, gammaSample, mixupPlan, mixValues } from "./mixup.ts";
import { makeRng } from "./rng.ts";

function assertAlmostEquals(actual: number, expected: number, tol: number): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

function meanOf(draw: () => number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += draw();
  return s / n;
}

Deno.test("gammaSample: the mean of Gamma(k, 1) is k, for k below and above 1", () => {
  const rng = makeRng(11);
  assertAlmostEquals(meanOf(() => gammaSample(rng, 0.3), 40_000), 0.3, 0.01);
  assertAlmostEquals(meanOf(() => gammaSample(rng, 2.5), 40_000), 2.5, 0.04);
  assert.throws(() => gammaSample(rng, 0), /shape/);
});

Deno.test("betaSample: an asymmetric Beta(2, 5) has mean 2/7, not 5/7", () => {
  const rng = makeRng(5);
  assertAlmostEquals(meanOf(() => betaSample(rng, 2, 5), 40_000), 2 / 7, 0.005);
});

Deno.test("mixupPlan: λ folded into [0.5, 1]; α = 1 gives a uniform λ (mean 0.75); small α stays near 1", () => {
  const wide = mixupPlan(40_000, 1, makeRng(9));
  assert.ok(wide.lambda.every((l) => l >= 0.5 && l <= 1));
  assertAlmostEquals(wide.lambda.reduce((a, b) => a + b, 0) / wide.lambda.length, 0.75, 0.005);
  // Beta(0.2, 0.2) folded: most mass near 1 (mean ≈ 0.905)
  const narrow = mixupPlan(40_000, 0.2, makeRng(9));
  assertAlmostEquals(narrow.lambda.reduce((a, b) => a + b, 0) / narrow.lambda.length, 0.905, 0.01);
  assert.throws(() => mixupPlan(4, 0, makeRng(1)), /alpha/);
});

Deno.test("mixupPlan: partners are a permutation, reproducible from the seed", () => {
  const a = mixupPlan(32, 0.4, makeRng(21)), b = mixupPlan(32, 0.4, makeRng(21));
  assert.deepEqual([...a.partner].sort((x, y) => x - y), Array.from({ length: 32 }, (_, i) => i));
  assert.deepEqual(a.partner, b.partner);
  assert.deepEqual(a.lambda, b.lambda);
  assert.ok(a.partner.some((p, i) => p !== i), "some sample has another partner");
});

Deno.test("mixValues: each value blended with its partner's at that sample's λ", () => {
  const plan = { lambda: Float32Array.of(0.75, 0.5, 1), partner: Int32Array.of(2, 0, 1) };
  assert.deepEqual(mixValues([1, 0, 0], plan), [0.75, 0.5, 0]);
  assert.throws(() => mixValues([1, 0], plan), /2 values/);
});
