import assert from "node:assert/strict";
import { seededRandom } from "../../../model/core/mod.ts";
import {
  cholesky,
  diagonalShrinkage,
  distances,
  fitFeatureCheck,
  invertLower,
  moments,
  shrinkCovariance,
} from "./features.ts";
import { summarizeFeatureFlags } from "./measure.ts";

/** n rows of correlated features: x0 ~ N(0, 1), x1 = 0.8 x0 + 0.6 e, x2 = 3 e' (independent, wider). */
function correlated(n: number, seed: number) {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const data = new Float64Array(n * 3);
  for (let k = 0; k < n; k++) {
    const a = gauss(), b = gauss(), c = gauss();
    data.set([a, 0.8 * a + 0.6 * b, 3 * c], k * 3);
  }
  return { data, n, dims: 3 };
}

Deno.test("diagonalShrinkage equals the Schäfer–Strimmer formula computed directly, and falls with more images", () => {
  const rows = correlated(40, 1);
  const { n, dims: c, data } = rows;
  const m = moments(rows);
  let num = 0, den = 0;
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      if (i === j) continue;
      const w = Array.from({ length: n }, (_, k) => (data[k * c + i] - m.mean[i]) * (data[k * c + j] - m.mean[j]));
      const wBar = w.reduce((a, b) => a + b) / n;
      num += (n / (n - 1) ** 3) * w.reduce((a, x) => a + (x - wBar) ** 2, 0);
      den += ((n / (n - 1)) * wBar) ** 2;
    }
  }
  const lambda = diagonalShrinkage(rows);
  assert.ok(Math.abs(lambda - num / den) < 1e-12, `${lambda} vs ${num / den}`);
  assert.ok(lambda > 0 && lambda < 1);
  assert.ok(diagonalShrinkage(correlated(4000, 1)) < lambda / 10);
});

Deno.test("shrinkCovariance keeps the diagonal, scales the rest by 1 − λ, floors a constant feature", () => {
  const s = Float64Array.from([4, 2, 0, 2, 1, 0, 0, 0, 0]);
  const out = shrinkCovariance(s, 3, 0.5);
  assert.deepEqual([...out.subarray(0, 6)], [4, 1, 0, 1, 1, 0]);
  assert.ok(out[8] > 0 && out[8] < 1e-5, String(out[8])); // 1e-6 × mean variance + 1e-12
  assert.throws(() => shrinkCovariance(s, 3, 1.5), /shrinkage must be in \[0, 1\]/);
});

Deno.test("the whitening W = L⁻¹ satisfies Wᵀ W Σ = I", () => {
  const sigma = Float64Array.from([4, 2, 0.5, 2, 3, 0.2, 0.5, 0.2, 2]);
  const w = invertLower(cholesky(sigma, 3), 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let v = 0;
      for (let k = 0; k < 3; k++) {
        let wtw = 0;
        for (let r = 0; r < 3; r++) wtw += w[r * 3 + i] * w[r * 3 + k];
        v += wtw * sigma[k * 3 + j];
      }
      assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-12, `(${i}, ${j}) = ${v}`);
    }
  }
});

Deno.test("fitFeatureCheck: threshold at the val quantile; an image exactly at it is in domain, the next is flagged", () => {
  const train = correlated(500, 2);
  // five val images along x2 (independent of the others): distances grow with k
  const val = { data: Float64Array.from([1, 2, 3, 4, 5].flatMap((k) => [0, 0, 2 * k])), n: 5, dims: 3 };
  const { check, valDistances } = fitFeatureCheck(train, val, { quantile: 0.75, shrinkage: 0.2 });
  const sorted = [...valDistances].sort((a, b) => a - b);
  assert.ok(sorted[3] < sorted[4]);
  assert.equal(check.threshold, sorted[3]); // 0.75 × (5 − 1) = 3: exactly the 4th distance
  assert.deepEqual(check.fitted, { images: 500, shrinkage: 0.2, quantile: 0.75, validationImages: 5 });
  assert.deepEqual(distances(check, val), valDistances);
  const measured = { features: val, logits: [0, 0, 0, 0, 0], stats: Array(5).fill({}) };
  const flags = summarizeFeatureFlags(measured, { ranges: {}, features: check });
  assert.deepEqual(flags.isFlagged, [false, false, false, false, true]);
  // the training mean is near 0 and x1 follows x0: a point breaking that correlation is far
  const along = distances(check, { data: Float64Array.from([1, 0.8, 0]), n: 1, dims: 3 })[0];
  const against = distances(check, { data: Float64Array.from([1, -0.8, 0]), n: 1, dims: 3 })[0];
  assert.ok(against > 2 * along, `${against} vs ${along}`);
});

Deno.test("fitFeatureCheck: auto shrinkage is recorded; bad input is refused with a reason", () => {
  const { check } = fitFeatureCheck(correlated(60, 3), correlated(10, 4));
  assert.equal(check.fitted.quantile, 0.995);
  assert.ok(check.fitted.shrinkage > 0 && check.fitted.shrinkage < 1);
  assert.equal(check.whitening.length, 9);
  assert.throws(() => fitFeatureCheck(correlated(60, 3), { data: new Float64Array(4), n: 2, dims: 2 }), /same model/);
  assert.throws(() => fitFeatureCheck(correlated(60, 3), correlated(5, 4), { quantile: 0 }), /quantile/);
  assert.throws(() => moments({ data: new Float64Array(3), n: 1, dims: 3 }), /at least 2/);
});
