import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { onWasm } from "../../../tests/helpers/on_wasm.ts";
import { relDiff } from "../../../tests/helpers/diff.ts";
import { BATCH_NORM_TRAIN_BACKWARD, BATCH_NORM_TRAIN_FORWARD } from "./batch_norm_kernels.ts";
import { batchNormTraining, fastBatchNormalization } from "../models/fast_batchnorm.ts";

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
