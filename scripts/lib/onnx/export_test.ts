import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { exportToOnnx } from "./export.ts";
import { flattenModel, maxAbsDiff, mixedModel, nchwToNhwc, predictNchw, tinyCamModel } from "./test_models.ts";
import { runModel } from "../../../model/core/mod.ts";
import { realImages, syntheticBatch } from "../../../tests/helpers/onnx_testing.ts";
import { decodeModel, toNumber } from "./proto.ts";

await tf.setBackend("cpu");
const TOL = 1e-4;

async function parity(model: tf.LayersModel, x: Float32Array, dims: number[]) {
  const { bytes, io } = exportToOnnx(model);
  const ref = predictNchw(model, x, dims);
  const out = await runModel(bytes, { [io.input]: { dims, data: x } });
  const diffs: Record<string, number> = { logit: maxAbsDiff(ref.logit, out[io.logit].data) };
  if (io.subtypeLogits) diffs.subtype_logits = maxAbsDiff(ref.subtype_logits, out[io.subtypeLogits].data);
  return { diffs, out, ref, io, bytes };
}

Deno.test("tiny CAM model (conv+BN+relu+maxpool, gap, two heads) matches tfjs on real images", async () => {
  const model = tinyCamModel({ size: 32, seed: 1 });
  const { x, dims } = realImages(32);
  const { diffs, io, ref } = await parity(model, x, dims);
  assert.deepEqual(io, {
    input: "image",
    logit: "logit",
    subtypeLogits: "subtype_logits",
    cam: "cam",
    features: "features",
    camGrid: { origin: [2, 2], step: [4, 4] }, // where its 8×8 cells lie on the 32-px input (evenly, for this net)
  });
  for (const d of Object.values(diffs)) assert.ok(d <= TOL, JSON.stringify(diffs));
  // the logits are not all the same (the comparison is not trivially passing)
  assert.ok(Math.max(...ref.logit) - Math.min(...ref.logit) > 1e-3);
});

Deno.test("mean of cam over h,w equals the logit", async () => {
  const model = tinyCamModel({ size: 32, seed: 4 });
  const { x, dims } = realImages(32);
  const { out } = await parity(model, x, dims);
  const [n, one, h, w] = out.cam.dims;
  assert.deepEqual([n, one, h, w], [dims[0], 1, 8, 8]);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < h * w; j++) s += out.cam.data[i * h * w + j];
    assert.ok(Math.abs(s / (h * w) - out.logit.data[i]) < 1e-5, `image ${i}: ${s / (h * w)} vs ${out.logit.data[i]}`);
  }
});

Deno.test("Flatten preset (Sequential, valid conv, Dense relu, Dropout) matches tfjs", async () => {
  const model = flattenModel({ size: 32, seed: 2 });
  const { x, dims } = realImages(32);
  const { diffs, io } = await parity(model, x, dims);
  assert.equal(io.cam, undefined);
  assert.equal(io.subtypeLogits, undefined);
  assert.ok(diffs.logit <= TOL, JSON.stringify(diffs));
  const syn = syntheticBatch([3, 3, 32, 32], 9);
  assert.ok((await parity(model, syn, [3, 3, 32, 32])).diffs.logit <= TOL);
});

Deno.test("odd size, stride 2 same padding, depthwise, separable, pools, residual Add, zero pad, unfolded BN, LeakyReLU match tfjs", async () => {
  const model = mixedModel({ size: 33, seed: 3 });
  const { x, dims } = realImages(33);
  const real = await parity(model, x, dims);
  for (const d of Object.values(real.diffs)) assert.ok(d <= TOL, JSON.stringify(real.diffs));
  const syn = await parity(model, syntheticBatch([2, 3, 33, 33], 3), [2, 3, 33, 33]);
  for (const d of Object.values(syn.diffs)) assert.ok(d <= TOL, JSON.stringify(syn.diffs));
  assert.ok(Math.abs(real.ref.subtype_logits[0] - real.ref.subtype_logits[3]) > 1e-6);
  const ops = decodeModel(real.bytes).graph.node.map((n) => n.opType);
  for (const op of ["Pad", "Mul", "LeakyRelu", "AveragePool", "Add", "Clip"]) {
    assert.ok(ops.includes(op), `${op} in ${ops}`);
  }
});

Deno.test("graph: dynamic batch input, named outputs, BN folded, opset and IR version", () => {
  const { bytes } = exportToOnnx(tinyCamModel({ size: 32, seed: 1 }), { opset: 17 });
  const m = decodeModel(bytes);
  assert.ok(toNumber(m.irVersion as number) >= 8);
  assert.equal(toNumber(m.opsetImport[0].version as number), 17);
  const inDims = m.graph.input[0].type!.tensorType!.shape!.dim!;
  assert.equal(inDims[0].dimParam, "N");
  assert.deepEqual(inDims.slice(1).map((d) => toNumber(d.dimValue as number)), [3, 32, 32]);
  assert.deepEqual(m.graph.output.map((o) => o.name), ["logit", "subtype_logits", "cam", "features"]);
  const ops = m.graph.node.map((n) => n.opType);
  assert.ok(!ops.includes("BatchNormalization") && !ops.includes("Mul"), `BN should be folded: ${ops}`);
  assert.deepEqual(m.graph.initializer.map((t) => t.name).filter((n) => n!.startsWith("conv")), [
    "conv1.weight",
    "conv1.bias",
    "conv2.weight",
    "conv2.bias",
  ]);
});

Deno.test("cam: false leaves it out; cam: true without a gap path says what is missing", () => {
  const noCam = exportToOnnx(tinyCamModel({ seed: 1 }), { cam: false });
  assert.equal(noCam.io.cam, undefined);
  assert.throws(() => exportToOnnx(flattenModel({ size: 24 }), { cam: true }), /no GlobalAveragePooling2D named "gap"/);
});

/** tfjs's output of the "gap" layer for an NCHW batch (what the exported `features` must equal). */
function gapOutput(model: tf.LayersModel, x: Float32Array, dims: number[]): Float32Array {
  const [n, c, h, w] = dims;
  const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer("gap").output as tf.SymbolicTensor });
  return tf.tidy(() => {
    const y = sub.predict(tf.tensor4d(nchwToNhwc(x, dims), [n, h, w, c])) as tf.Tensor;
    return Float32Array.from(y.dataSync() as Float32Array);
  });
}

Deno.test("features: the exported output equals tfjs's GAP output, [N, C], for two architectures", async () => {
  for (
    const [model, size, channels] of [[tinyCamModel({ size: 32, seed: 1 }), 32, 16], [
      mixedModel({ size: 33, seed: 3 }),
      33,
      12,
    ]] as const
  ) {
    const { x, dims } = realImages(size);
    const { bytes, io } = exportToOnnx(model);
    assert.equal(io.features, "features");
    const out = await runModel(bytes, { [io.input]: { dims, data: x } });
    assert.deepEqual(out.features.dims, [dims[0], channels]);
    const ref = gapOutput(model, x, dims);
    const diff = maxAbsDiff(ref, out.features.data);
    assert.ok(diff <= TOL, `features differ by ${diff}`);
    // not trivially equal: the images' features differ from each other
    assert.ok(maxAbsDiff(ref.subarray(0, channels), ref.subarray(channels, 2 * channels)) > 1e-3);
    // and the logit still matches tfjs with "gap" renamed to "features" inside the graph
    assert.ok(maxAbsDiff(predictNchw(model, x, dims).logit, out.logit.data) <= TOL);
  }
});

Deno.test("features: false leaves it out, as does a model without a gap layer; true without one throws", () => {
  const model = tinyCamModel({ size: 32, seed: 1 });
  const without = exportToOnnx(model, { features: false });
  assert.equal(without.io.features, undefined);
  assert.deepEqual(decodeModel(without.bytes).graph.output.map((o) => o.name), ["logit", "subtype_logits", "cam"]);
  assert.equal(exportToOnnx(flattenModel({ size: 24 })).io.features, undefined);
  assert.throws(
    () => exportToOnnx(flattenModel({ size: 24 }), { features: true }),
    /features requested but the model has no GlobalAveragePooling2D named "gap"/,
  );
});

Deno.test("unsupported layers and missing heads are reported by name", () => {
  const inp = tf.input({ shape: [8, 8, 3] });
  const up = tf.layers.upSampling2d({ name: "up" }).apply(inp) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(up) as tf.SymbolicTensor;
  const bad = tf.model({
    inputs: inp,
    outputs: tf.layers.dense({ name: "logit", units: 1 }).apply(gap) as tf.SymbolicTensor,
  });
  assert.throws(() => exportToOnnx(bad), /layer up \(UpSampling2D\) is not supported/);
  const inp2 = tf.input({ shape: [8, 8, 3] });
  const g2 = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(inp2) as tf.SymbolicTensor;
  const noLogit = tf.model({
    inputs: inp2,
    outputs: tf.layers.dense({ name: "out", units: 1 }).apply(g2) as tf.SymbolicTensor,
  });
  assert.throws(() => exportToOnnx(noLogit), /no layer named "logit"/);
});
