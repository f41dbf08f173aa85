import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { batchNormTraining, fastBatchNormalization } from "./fast_batchnorm.ts";

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
