import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { exportToOnnx } from "./export.ts";
import { quantizeQdq } from "./quantize.ts";
import { flattenModel, maxAbsDiff, mixedModel, tinyCamModel } from "./test_models.ts";
import { runModel } from "../../../model/core/mod.ts";
import { realImages, syntheticBatch } from "../../../tests/helpers/onnx_testing.ts";
import { decodeModel, DType } from "./proto.ts";

await tf.setBackend("cpu");
const real = realImages(32);
const calib = [real.x, syntheticBatch([4, 3, 32, 32], 21)];
const floatBytes = exportToOnnx(tinyCamModel({ size: 32, seed: 1, filters: [32, 64] })).bytes;
const quant = await quantizeQdq(floatBytes, calib);

function argmaxRows(x: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length / k; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (x[i * k + j] > x[i * k + best]) best = j;
    out.push(best);
  }
  return out;
}

Deno.test("int8 model: logits close to float on real and held-out synthetic images, same labels", async () => {
  const test = syntheticBatch([4, 3, 32, 32], 99);
  for (const [x, dims] of [[real.x, real.dims], [test, [4, 3, 32, 32]]] as const) {
    const f = await runModel(floatBytes, { image: { dims, data: x } });
    const q = await runModel(quant.bytes, { image: { dims, data: x } });
    const spread = Math.max(...f.logit.data) - Math.min(...f.logit.data);
    const d = maxAbsDiff(f.logit.data, q.logit.data);
    assert.ok(d < 0.05 && d < spread, `logit diff ${d}, spread ${spread}`);
    assert.deepEqual([...q.logit.data].map((v) => v >= 0), [...f.logit.data].map((v) => v >= 0));
    assert.ok(maxAbsDiff(f.subtype_logits.data, q.subtype_logits.data) < 0.1);
    const fa = argmaxRows(f.subtype_logits.data, 4), qa = argmaxRows(q.subtype_logits.data, 4);
    assert.ok(fa.filter((v, i) => v === qa[i]).length >= fa.length - 1, `${fa} vs ${qa}`);
    assert.deepEqual(q.cam.dims, f.cam.dims);
    assert.ok(maxAbsDiff(f.cam.data, q.cam.data) < 0.1);
  }
});

Deno.test("int8 with a features output: the same logits as int8 without it, features float and close to float", async () => {
  const model = tinyCamModel({ size: 32, seed: 1, filters: [32, 64] });
  const plain = await quantizeQdq(exportToOnnx(model, { features: false }).bytes, calib);
  const dims = real.dims;
  const q = await runModel(quant.bytes, { image: { dims, data: real.x } });
  const p = await runModel(plain.bytes, { image: { dims, data: real.x } });
  const f = await runModel(floatBytes, { image: { dims, data: real.x } });
  // the heads read the features' Q→DQ exactly as they read the "gap" tensor's before
  assert.deepEqual([...q.logit.data], [...p.logit.data]);
  assert.deepEqual([...q.subtype_logits.data], [...p.subtype_logits.data]);
  assert.equal(quant.report.nodesQuantized, plain.report.nodesQuantized);
  assert.deepEqual(q.features.dims, [dims[0], 64]);
  const spread = Math.max(...f.features.data) - Math.min(...f.features.data);
  const d = maxAbsDiff(f.features.data, q.features.data);
  assert.ok(d < 0.05 * spread, `features differ by ${d} (spread ${spread})`);
  const out = decodeModel(quant.bytes).graph.output.find((o) => o.name === "features");
  assert.equal(out?.type?.tensorType?.elemType, DType.FLOAT);
});

Deno.test("int8 graph: QDQ around activations, int8 per-channel weights, int32 biases, float outputs", () => {
  const m = decodeModel(quant.bytes);
  const ops = m.graph.node.map((n) => n.opType);
  assert.ok(ops.filter((o) => o === "QuantizeLinear").length >= 6);
  assert.ok(!ops.includes("Relu"), "Relu after Conv is folded into the Conv's output quantisation");
  const init = new Map(m.graph.initializer.map((t) => [t.name, t]));
  assert.equal(init.get("conv2.weight_quantized")?.dataType, DType.INT8);
  assert.equal(init.get("conv2.weight_scale")?.dims?.length, 1);
  assert.equal(init.get("conv2.bias_quantized")?.dataType, DType.INT32);
  assert.ok(!init.has("conv2.weight"), "the float weight is gone");
  assert.deepEqual(m.graph.output.map((o) => o.name), ["logit", "subtype_logits", "cam", "features"]);
  assert.ok(m.graph.output.every((o) => o.type?.tensorType?.elemType === DType.FLOAT));
  assert.equal(quant.report.nodesQuantized, 5); // conv1, conv2, logit, subtype_logits, cam
  assert.equal(quant.report.activationsFused, 2);
  assert.equal(quant.report.images, 10);
  assert.ok(quant.report.sizeRatio < 0.4, `size ratio ${quant.report.sizeRatio}`);
  const r = quant.report.ranges["relu1"];
  assert.equal(r.min, 0);
  assert.equal(r.zeroPoint, 0);
  // MaxPool shares its input's parameters so onnxruntime can run it on int8 directly
  assert.equal(quant.report.ranges["pool1"].scale, r.scale);
});

Deno.test("percentile calibration gives ranges no wider than min/max; async iterables work", async () => {
  async function* batches() {
    for (const b of calib) yield b;
  }
  const p = await quantizeQdq(floatBytes, batches(), { method: "percentile", percentile: 99.9 });
  assert.equal(p.report.method, "percentile");
  for (const [k, r] of Object.entries(p.report.ranges)) {
    const mm = quant.report.ranges[k];
    assert.ok(r.max <= mm.max + 1e-6 && r.min >= mm.min - 1e-6, k);
  }
  const out = await runModel(p.bytes, { image: { dims: real.dims, data: real.x } });
  assert.equal(out.logit.data.length, real.dims[0]);
});

Deno.test("Flatten preset and the mixed model quantise and run close to float", async () => {
  const fl = exportToOnnx(flattenModel({ size: 32, seed: 2 })).bytes;
  const q1 = await quantizeQdq(fl, calib);
  const f1 = await runModel(fl, { image: { dims: real.dims, data: real.x } });
  const o1 = await runModel(q1.bytes, { image: { dims: real.dims, data: real.x } });
  assert.ok(maxAbsDiff(f1.logit.data, o1.logit.data) < 0.1, `${f1.logit.data} vs ${o1.logit.data}`);
  const mx = exportToOnnx(mixedModel({ size: 33, seed: 3 })).bytes;
  const r33 = realImages(33);
  const q2 = await quantizeQdq(mx, [r33.x]);
  const f2 = await runModel(mx, { image: { dims: r33.dims, data: r33.x } });
  const o2 = await runModel(q2.bytes, { image: { dims: r33.dims, data: r33.x } });
  assert.ok(maxAbsDiff(f2.logit.data, o2.logit.data) < 0.1, `${f2.logit.data} vs ${o2.logit.data}`);
});

Deno.test("bad calibration data is refused with a reason", async () => {
  await assert.rejects(quantizeQdq(floatBytes, []), /calibration data is empty/);
  await assert.rejects(quantizeQdq(floatBytes, [new Float32Array(100)]), /not a whole number of \[3,32,32\] images/);
});
