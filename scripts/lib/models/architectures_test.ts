import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { buildModel } from "./architectures.ts";

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
