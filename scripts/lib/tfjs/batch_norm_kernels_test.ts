import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { onWasm } from "../../../tests/helpers/on_wasm.ts";
import { BATCH_NORM_TRAIN_BACKWARD, BATCH_NORM_TRAIN_FORWARD } from "./batch_norm_kernels.ts";
import { loadSimdBatchNorm } from "./simd_batch_norm.ts";
import { batchNormTraining, fastBatchNormalization } from "../models/fast_batchnorm.ts";

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

/** Largest |a - b| relative to the largest |b| (at least 1). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0, s = 1;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])), s = Math.max(s, Math.abs(b[i]));
  return m / s;
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

Deno.test("wasm backend: batch norm runs on the fused kernels and gives the cpu backend's values and gradients", async (t) => {
  const shape = [4, 9, 9, 20];
  const compute = () => {
    const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 1), 3), 2);
    const g = tf.randomNormal([20], 1, 0.3, "float32", 2) as tf.Tensor1D;
    const b = tf.randomNormal([20], 0, 0.3, "float32", 3) as tf.Tensor1D;
    const up = tf.randomNormal(shape, 0, 1, "float32", 4);
    const r = batchNormTraining(x, g, b, 1e-3);
    const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const o = batchNormTraining(xx, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-3);
      tf.dispose([o.mean, o.variance]);
      return tf.sum(tf.mul(o.y, up));
    })([x, g, b]);
    return [r.y, r.mean, r.variance, ...grads].map((v) => Array.from(v.dataSync()));
  };
  await tf.setBackend("cpu");
  const want = compute();
  await onWasm(t, async () => {
    let got: number[][] = [];
    const prof = await tf.profile(() => {
      got = compute();
    });
    const names = new Set(prof.kernels.map((k) => k.name));
    assert.ok(names.has(BATCH_NORM_TRAIN_FORWARD) && names.has(BATCH_NORM_TRAIN_BACKWARD), [...names].join(", "));
    ["y", "mean", "variance", "dx", "dgamma", "dbeta"].forEach((name, i) => {
      assert.ok(relDiff(got[i], want[i]) < 1e-5, `${name}: ${relDiff(got[i], want[i])}`);
    });

    // the layer's moving statistics come from the kernel's batch statistics
    const inp = tf.input({ shape: [3, 3, 4] });
    const layer = fastBatchNormalization({ momentum: 0.5, name: "bn_wasm" });
    const model = tf.model({ inputs: inp, outputs: layer.apply(inp) as tf.SymbolicTensor });
    const x = tf.add(tf.mul(tf.randomNormal([5, 3, 3, 4], 0, 1, "float32", 6), 2), 3);
    model.apply(x, { training: true });
    const [, , movingMean, movingVariance] = layer.getWeights().map((w) => Array.from(w.dataSync()));
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    Array.from(mean.dataSync()).forEach((v, i) => assert.ok(Math.abs(movingMean[i] - 0.5 * v) < 1e-5));
    Array.from(variance.dataSync()).forEach((v, i) => assert.ok(Math.abs(movingVariance[i] - (0.5 + 0.5 * v)) < 1e-4));
  });
});
