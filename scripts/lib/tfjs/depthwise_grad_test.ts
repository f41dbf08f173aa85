// The composed depthwise gradients against the cpu backend's own kernels (tf.grad on cpu), over
// strides, paddings, odd and non-square sizes; then registered on wasm, a MobileNetV2 slice's
// gradients on wasm match the cpu backend's.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { depthwiseFilterGrad, depthwiseInputGrad } from "./depthwise_grad.ts";
import { selectBackend } from "./backend.ts";

/** Largest |a − b| and where, for a message that names the first bad index. */
function worst(a: tf.Tensor, b: tf.Tensor): { d: number; at: number } {
  const x = a.dataSync(), y = b.dataSync();
  assert.equal(x.length, y.length, "sizes differ");
  let d = 0, at = -1;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i] - y[i]) > d) [d, at] = [Math.abs(x[i] - y[i]), i];
  return { d, at };
}

const CASES = [
  { x: [2, 7, 6, 3], k: [3, 3], s: 1, pad: "same" },
  { x: [2, 7, 6, 3], k: [3, 3], s: 2, pad: "same" },
  { x: [1, 8, 8, 4], k: [3, 3], s: 2, pad: "same" },
  { x: [1, 9, 5, 2], k: [3, 2], s: 2, pad: "valid" },
  { x: [1, 8, 9, 2], k: [5, 5], s: 1, pad: "valid" },
  { x: [1, 6, 6, 2], k: [3, 3], s: 3, pad: "same" },
] as const;

Deno.test("depthwise gradients composed from forward ops equal the cpu backend's kernels", async () => {
  await tf.setBackend("cpu");
  for (const [i, c] of CASES.entries()) {
    const x = tf.randomNormal([...c.x], 0, 1, "float32", 10 + i) as tf.Tensor4D;
    const f = tf.randomNormal([c.k[0], c.k[1], c.x[3], 1], 0, 1, "float32", 20 + i) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, f, c.s, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 30 + i) as tf.Tensor4D; // asymmetric upstream gradient
    const loss = (xx: tf.Tensor4D, ff: tf.Tensor4D) => tf.sum(tf.mul(tf.depthwiseConv2d(xx, ff, c.s, c.pad), dy));
    const [gx, gf] = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => loss(xx as tf.Tensor4D, ff as tf.Tensor4D))([x, f]);
    const attrs = { strides: c.s, dilations: 1, pad: c.pad };
    const ix = worst(depthwiseInputGrad(x.shape, dy, f, attrs), gx);
    const fx = worst(depthwiseFilterGrad(x, dy, f.shape, attrs), gf);
    assert.ok(ix.d < 1e-4, `case ${i} input grad: |Δ| ${ix.d} at ${ix.at}`);
    assert.ok(fx.d < 1e-3, `case ${i} filter grad: |Δ| ${fx.d} at ${fx.at}`);
  }
});

Deno.test("a channel multiplier or dilation is refused with the reason", async () => {
  await tf.setBackend("cpu");
  const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D, dy = tf.zeros([1, 4, 4, 4]) as tf.Tensor4D;
  assert.throws(
    () => depthwiseFilterGrad(x, dy, [3, 3, 2, 2], { strides: 1, dilations: 1, pad: "same" }),
    /multiplier 2/,
  );
  assert.throws(() => depthwiseFilterGrad(x, dy, [3, 3, 2, 1], { strides: 1, dilations: 2, pad: "same" }), /dilations/);
});

Deno.test("on wasm (kernels registered by selectBackend): gradients of a depthwise + pointwise stack match cpu", async () => {
  const build = () => {
    const f1 = tf.variable(tf.randomNormal([3, 3, 8, 1], 0, 0.5, "float32", 1), true, "dw1");
    const p1 = tf.variable(tf.randomNormal([1, 1, 8, 8], 0, 0.5, "float32", 2), true, "pw1");
    const f2 = tf.variable(tf.randomNormal([3, 3, 8, 1], 0, 0.5, "float32", 3), true, "dw2");
    return [f1, p1, f2];
  };
  const run = () => {
    const [f1, p1, f2] = build();
    const x = tf.randomNormal([2, 12, 10, 8], 0, 1, "float32", 4) as tf.Tensor4D;
    const { grads } = tf.variableGrads(() => {
      let h = tf.relu6(tf.depthwiseConv2d(x, f1 as tf.Tensor4D, 2, "same"));
      h = tf.conv2d(h, p1 as tf.Tensor4D, 1, "same");
      h = tf.add(h, tf.depthwiseConv2d(h, f2 as tf.Tensor4D, 1, "same"));
      return tf.sum(tf.mul(h, tf.linspace(-1, 1, h.size).reshape(h.shape))) as tf.Scalar;
    }, [f1, p1, f2]);
    const out = Object.fromEntries(
      Object.entries(grads).map(([k, v]) => [k.replace(/_\d+$/, ""), Float32Array.from(v.dataSync())]),
    );
    tf.dispose([f1, p1, f2, x, ...Object.values(grads)]);
    return out;
  };
  await tf.setBackend("cpu");
  const ref = run();
  assert.equal(await selectBackend("wasm"), "wasm");
  const got = run();
  for (const k of Object.keys(ref)) {
    const a = tf.tensor(ref[k]), b = tf.tensor(got[k]);
    const w = worst(a, b);
    assert.ok(w.d < 1e-3 * Math.max(1, ...ref[k].map(Math.abs)), `${k}: |Δ| ${w.d} at ${w.at}`);
  }
  await tf.setBackend("cpu");
});
