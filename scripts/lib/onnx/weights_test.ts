import assert from "node:assert/strict";
import { batchNormAffine, depthwiseToOihw, foldAffine, hwioToOihw } from "./weights.ts";

Deno.test("hwioToOihw moves k[y][x][i][o] to w[o][i][y][x]", () => {
  const [kh, kw, ci, co] = [2, 3, 2, 4];
  const k = Float32Array.from({ length: kh * kw * ci * co }, (_, j) => j);
  const w = hwioToOihw(k, [kh, kw, ci, co]);
  for (const [y, x, i, o] of [[0, 0, 0, 0], [1, 2, 1, 3], [0, 1, 1, 2], [1, 0, 0, 1]]) {
    assert.equal(w[((o * ci + i) * kh + y) * kw + x], k[((y * kw + x) * ci + i) * co + o]);
  }
});

Deno.test("depthwiseToOihw puts channel c, multiplier m at output c*M+m", () => {
  const [kh, kw, c, m] = [3, 3, 2, 3];
  const k = Float32Array.from({ length: kh * kw * c * m }, (_, j) => j);
  const w = depthwiseToOihw(k, [kh, kw, c, m]);
  assert.equal(w[((1 * m + 2) * kh + 2) * kw + 1], k[((2 * kw + 1) * c + 1) * m + 2]);
});

Deno.test("BN folded into a conv gives the same output as conv then BN", () => {
  const bn = {
    gamma: new Float32Array([2, 0.5]),
    beta: new Float32Array([1, -1]),
    mean: new Float32Array([0.5, 2]),
    variance: new Float32Array([4, 0.25]),
    epsilon: 1e-3,
  };
  const aff = batchNormAffine(bn);
  const w = new Float32Array([1, 2, 3, -1, 0.5, 2]); // 2 output channels × 3 inputs
  const b = new Float32Array([0.1, -0.2]);
  const x = [0.3, -0.7, 1.1];
  const folded = foldAffine(w, b, aff);
  for (let o = 0; o < 2; o++) {
    const conv = x.reduce((s, v, i) => s + v * w[o * 3 + i], b[o]);
    const ref = (conv - bn.mean[o]) / Math.sqrt(bn.variance[o] + bn.epsilon) * bn.gamma[o] + bn.beta[o];
    const got = x.reduce((s, v, i) => s + v * folded.weight[o * 3 + i], folded.bias[o]);
    assert.ok(Math.abs(ref - got) < 1e-5, `${ref} vs ${got}`);
  }
});
