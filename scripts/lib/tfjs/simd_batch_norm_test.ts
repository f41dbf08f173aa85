import assert from "node:assert/strict";
import { loadSimdBatchNorm } from "./simd_batch_norm.ts";
import { relDiff } from "../../../tests/helpers/diff.ts";

/** Deterministic pseudo-random floats in [lo, hi). */
function floats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

/** Training batch norm of [m, c] in float64, straight from the definition. */
function reference(x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number) {
  const c = gamma.length, m = x.length / c;
  const mean = new Float64Array(c), variance = new Float64Array(c), dgamma = new Float64Array(c);
  const dbeta = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / m;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2 / m;
  const inv = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  const xhat = Array.from(x, (v, i) => (v - mean[i % c]) * inv[i % c]);
  const y = xhat.map((v, i) => v * gamma[i % c] + beta[i % c]);
  for (let i = 0; i < x.length; i++) dbeta[i % c] += dy[i], dgamma[i % c] += dy[i] * xhat[i];
  const dx = xhat.map((v, i) => gamma[i % c] * inv[i % c] * (dy[i] - dbeta[i % c] / m - v * dgamma[i % c] / m));
  return { y, mean, variance, dx, dgamma, dbeta };
}

Deno.test("the SIMD batch-norm kernel matches a float64 reference (16-channel groups, 4-channel groups, scalar tails)", () => {
  const bn = loadSimdBatchNorm();
  assert.ok(bn, "scripts/lib/tfjs/simd/batch_norm.wasm did not load; rebuild it with simd/build.sh");
  // channel counts: one 16-group + a 4-group; 3 groups of 4 + a 1-tail; tails only; big; rows: 1, below and past a 256-row block
  for (const [m, c] of [[600, 20], [257, 13], [7, 3], [300, 96], [1, 8], [513, 16]]) {
    const x = floats(m * c, m + c, -2, 6), dy = floats(m * c, 7 * c + 1);
    const gamma = floats(c, 3, 0.5, 1.5), beta = floats(c, 4);
    const fwd = { y: new Float32Array(m * c), mean: new Float32Array(c), variance: new Float32Array(c) };
    bn.forward(x, gamma, beta, 1e-3, fwd);
    const back = { dx: new Float32Array(m * c), dgamma: new Float32Array(c), dbeta: new Float32Array(c) };
    bn.backward(dy, x, fwd.mean, fwd.variance, gamma, 1e-3, back);
    const ref = reference(x, dy, gamma, beta, 1e-3);
    const at = `m=${m} c=${c}`;
    assert.ok(relDiff(fwd.mean, ref.mean) < 1e-5, `mean ${at}`);
    assert.ok(relDiff(fwd.variance, ref.variance) < 1e-5, `variance ${at}`);
    assert.ok(relDiff(fwd.y, ref.y) < 1e-5, `y ${at}`);
    assert.ok(relDiff(back.dbeta, ref.dbeta) < 1e-5, `dbeta ${at}`);
    assert.ok(relDiff(back.dgamma, ref.dgamma) < 1e-5, `dgamma ${at}`);
    // a single row has zero variance: dx is then dominated by 1/sqrt(eps) and exactly 0 in theory
    assert.ok(relDiff(back.dx, ref.dx) < (m === 1 ? 1e-3 : 1e-5), `dx ${at}`);
  }
});

Deno.test("the SIMD batch-norm kernel rejects arrays whose lengths disagree", () => {
  const bn = loadSimdBatchNorm()!;
  const out = { y: new Float32Array(6), mean: new Float32Array(3), variance: new Float32Array(3) };
  const g = new Float32Array(3);
  assert.throws(() => bn.forward(new Float32Array(7), g, g, 1e-3, out), /x has 7 values, not a multiple of 3/);
  assert.throws(() => bn.forward(new Float32Array(6), g, new Float32Array(2), 1e-3, out), /beta has 2 values/);
  assert.throws(
    () => bn.forward(new Float32Array(9), g, g, 1e-3, out),
    /y has 6 values, x says 9/,
  );
  const back = { dx: new Float32Array(6), dgamma: new Float32Array(3), dbeta: new Float32Array(3) };
  assert.throws(() => bn.backward(new Float32Array(6), new Float32Array(3), g, g, g, 1e-3, back), /x has 3 values/);
});
