import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { buildModel } from "./architectures.ts";
import { batchNormTraining, fastBatchNormalization } from "./fast_batchnorm.ts";

const EXPORTABLE = new Set([
  "InputLayer",
  "Conv2D",
  "DepthwiseConv2D",
  "BatchNormalization",
  "ReLU",
  "Activation",
  "MaxPooling2D",
  "AveragePooling2D",
  "GlobalAveragePooling2D",
  "Flatten",
  "Dense",
  "Dropout",
]);

Deno.test("buildModel: input/output names, shapes, exportable layers only", async () => {
  await tf.setBackend("cpu");
  for (const arch of ["small-gap", "original"] as const) {
    const m = buildModel(arch, { size: 32, subtypes: 4, seed: 1 });
    assert.equal(m.inputs[0].name.startsWith("image"), true);
    assert.deepEqual(m.inputs[0].shape, [null, 32, 32, 3]);
    assert.deepEqual(m.outputNames, ["logit", "subtype_logits"]);
    const [logit, sub] = m.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor[];
    assert.deepEqual(logit.shape, [2, 1]);
    assert.deepEqual(sub.shape, [2, 4]);
    for (const l of m.layers) assert.ok(EXPORTABLE.has(l.getClassName()), `${arch}: ${l.getClassName()}`);
    if (arch === "small-gap") {
      assert.equal(m.getLayer("gap").getClassName(), "GlobalAveragePooling2D");
      assert.equal(m.getLayer("logit").getClassName(), "Dense");
    }
    m.dispose();
  }
  const noSub = buildModel("small-gap", { size: 32, seed: 1 });
  assert.deepEqual(noSub.outputNames, ["logit"]);
});

Deno.test("buildModel: width scales small-gap's filters and refuses other architectures", async () => {
  await tf.setBackend("cpu");
  const filters = (width: number) =>
    ["s1", "s2", "s2b", "s3", "s3b", "s4", "s4b"].map((n) =>
      (buildModel("small-gap", { size: 32, seed: 1, width }).getLayer(`${n}_conv`).getConfig() as { filters: number })
        .filters
    );
  assert.deepEqual(filters(1), [16, 32, 32, 64, 64, 128, 128]);
  assert.deepEqual(filters(0.5), [8, 16, 16, 32, 32, 64, 64]);
  assert.deepEqual(filters(0.75), [16, 24, 24, 48, 48, 96, 96]);
  assert.deepEqual(filters(0.1), [8, 8, 8, 8, 8, 16, 16]);
  const half = buildModel("small-gap", { size: 32, subtypes: 4, seed: 1, width: 0.5 });
  const [logit] = half.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor[];
  assert.deepEqual(logit.shape, [2, 1]);
  assert.ok(half.countParams() < buildModel("small-gap", { size: 32, subtypes: 4, seed: 1 }).countParams() / 3);
  assert.throws(() => buildModel("original", { size: 32, seed: 1, width: 0.5 }), /small-gap only/);
  assert.throws(() => buildModel("small-gap", { size: 32, seed: 1, width: 0 }), /width must be in/);
});

Deno.test("buildModel: same seed → same weights; other seed → different", async () => {
  await tf.setBackend("cpu");
  const w = (seed: number) =>
    buildModel("small-gap", { size: 32, seed }).getWeights().map((t) => Array.from(t.dataSync()));
  assert.deepEqual(w(3), w(3));
  assert.notDeepEqual(w(3), w(4));
});

Deno.test("batchNormTraining: gradients equal the stock moments+batchNorm gradients", async () => {
  await tf.setBackend("cpu");
  const x = tf.randomNormal([4, 5, 5, 3], 0, 2, "float32", 1);
  const g = tf.tensor1d([1.5, 0.5, -1]), b = tf.tensor1d([0.1, 0.2, 0.3]);
  const up = tf.randomNormal([4, 5, 5, 3], 0, 1, "float32", 2);
  const ref = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
    const { mean, variance } = tf.moments(xx, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(xx, mean, variance, bb as tf.Tensor1D, gg as tf.Tensor1D, 1e-3), up));
  })([x, g, b]);
  const got = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
    const r = batchNormTraining(xx, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-3);
    tf.dispose([r.mean, r.variance]);
    return tf.sum(tf.mul(r.y, up));
  })([x, g, b]);
  for (let i = 0; i < 3; i++) assert.ok(tf.max(tf.abs(tf.sub(ref[i], got[i]))).dataSync()[0] < 1e-4);
});

Deno.test("fastBatchNormalization: saved as BatchNormalization; moving stats update in training", async () => {
  await tf.setBackend("cpu");
  const inp = tf.input({ shape: [4, 4, 2] });
  const layer = fastBatchNormalization({ momentum: 0.5, name: "bn" });
  const m = tf.model({ inputs: inp, outputs: layer.apply(inp) as tf.SymbolicTensor });
  assert.ok(JSON.stringify(m.toJSON(null, false)).includes('"class_name":"BatchNormalization"'));
  const x = tf.add(tf.mul(tf.randomNormal([8, 4, 4, 2], 0, 1, "float32", 5), 2), 3);
  m.apply(x, { training: true });
  const movingMean = Array.from(layer.getWeights()[2].dataSync());
  const batchMean = Array.from(tf.mean(x, [0, 1, 2]).dataSync());
  movingMean.forEach((v, i) => assert.ok(Math.abs(v - 0.5 * batchMean[i]) < 1e-4));
});
