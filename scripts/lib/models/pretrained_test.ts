// The pretrained backbones read from the installed nsfwjs package: the weights are the package's
// (checked against its own bytes), the cut keeps only what the feature layer needs, a new head
// trains on top, and the result exports to ONNX (depthwise conv, ReLU6, residual adds, padding)
// within 1e-4 of tfjs and quantizes to int8 — on a small slice of the backbone, so the test stays fast.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { BACKBONES, loadBackbone } from "./pretrained.ts";
import { createModel, HEAD_LAYERS, lrFactors } from "./create.ts";
import { exportToOnnx } from "../onnx/export.ts";
import { quantizeQdq } from "../onnx/quantize.ts";
import { maxAbsDiff, predictNchw } from "../onnx/test_models.ts";
import { runModel } from "../../../model/core/mod.ts";
import { realImages } from "../../../tests/helpers/onnx_testing.ts";

await tf.setBackend("cpu");

/** A slice of MobileNetV2: the stem, the first inverted residual and block 2 (which has a residual add). */
const SLICE = "block_2_add";

Deno.test("mobilenetv2 slice: the package's own weights, dequantized, in the right layers", async () => {
  const backbone = await loadBackbone("mobilenetv2", { size: 64, upTo: SLICE });
  assert.deepEqual(backbone.inputs[0].shape, [null, 64, 64, 3]);
  assert.equal(backbone.inputs[0].name.startsWith("image"), true);
  assert.deepEqual(backbone.outputs[0].shape, [null, 16, 16, 24]);
  assert.ok(!backbone.layers.some((l) => l.name.startsWith("block_3")), "nothing after the cut");
  // the first weight of the package (Conv1/kernel, uint8): min + scale × byte
  const require = createRequire(import.meta.url);
  const root = join(dirname(require.resolve("nsfwjs")), "..", "..");
  const dir = join(root, "dist", "models", BACKBONES.mobilenetv2.folder);
  const json = require(join(dir, "model.min.js"));
  const spec = json.weightsManifest[0].weights[0];
  assert.equal(spec.name, "Conv1/kernel");
  const bytes = Buffer.from(require(join(dir, "group1-shard1of1.min.js")), "base64");
  const expected = [0, 1, 2, 5].map((i) => spec.quantization.min + spec.quantization.scale * bytes[i]);
  const kernel = backbone.getLayer("Conv1").getWeights()[0].dataSync(); // HWIO, same order
  assert.deepEqual([0, 1, 2, 5].map((i) => kernel[i].toFixed(5)), expected.map((v) => v.toFixed(5)));
  assert.ok(new Set(kernel).size > 50, "not a constant initialiser");
});

Deno.test("mobilenetv2 full backbone at 96 px: 1280 features on a 3×3 grid, every layer trainable", async () => {
  const backbone = await loadBackbone("mobilenetv2", { size: 96 });
  assert.deepEqual(backbone.outputs[0].shape, [null, 3, 3, 1280]);
  // nsfwjs froze some layers; here every layer with weights trains (the schedule decides when)
  const withWeights = backbone.layers.filter((l) => l.weights.length > 0);
  assert.equal(withWeights.length, 104);
  assert.ok(withWeights.every((l) => l.trainable), "the schedule decides what trains, not the package");
  assert.equal(backbone.countParams(), 2257984);
});

Deno.test("createModel on a backbone: new seeded head, BN statistics frozen in training mode, learning-rate factors", async () => {
  const model = await createModel("mobilenetv2", { size: 64, subtypes: 4, seed: 1, upTo: SLICE });
  assert.deepEqual(model.outputNames, ["logit", "subtype_logits"]);
  assert.ok(HEAD_LAYERS.every((n) => model.layers.some((l) => l.name === n)));
  const again = await createModel("mobilenetv2", { size: 64, subtypes: 4, seed: 1, upTo: SLICE });
  assert.deepEqual(
    model.getLayer("logit").getWeights()[0].dataSync(),
    again.getLayer("logit").getWeights()[0].dataSync(),
  );
  // training mode = inference mode for the backbone's BN: the same logits (dropout off at rate 0 here)
  const noDrop = await createModel("mobilenetv2", { size: 64, subtypes: 0, seed: 1, upTo: SLICE, dropout: 0 });
  const x = tf.randomUniform([2, 64, 64, 3], 0, 1, "float32", 3);
  const a = (noDrop.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array;
  const b = (noDrop.predict(x) as tf.Tensor).dataSync() as Float32Array;
  assert.ok(maxAbsDiff(a, b) < 1e-5, `training-mode logits moved by ${maxAbsDiff(a, b)}`);
  const entries = model.weights.map((w) => ({
    layer: w.originalName.split("/")[0],
    size: w.shape.reduce((p, q) => p! * q!, 1)!,
  }));
  const f = lrFactors(entries, 0);
  const head = entries.filter((e) => HEAD_LAYERS.includes(e.layer)).reduce((n, e) => n + e.size, 0);
  assert.equal(f.reduce((s, v) => s + v, 0), head); // only the head's weights have a non-zero rate
  await assert.rejects(
    createModel("mobilenetv2", { size: 64, seed: 1, width: 0.5 }),
    /width applies to small-gap only/,
  );
});

Deno.test("mobilenetv2 slice + head → ONNX within 1e-4 of tfjs on real images, int8 close", async () => {
  const model = await createModel("mobilenetv2", { size: 32, subtypes: 4, seed: 1, upTo: SLICE });
  const { x, dims } = realImages(32);
  for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, 0.5 + 0.25 * x[i])); // RGB / 255 range
  const { bytes, io } = exportToOnnx(model);
  assert.ok(io.cam && io.features, "the CAM and pooled features of the new head");
  const ref = predictNchw(model, x, dims);
  const out = await runModel(bytes, { [io.input]: { dims, data: x } });
  assert.ok(maxAbsDiff(ref.logit, out.logit.data) <= 1e-4, `logit ${maxAbsDiff(ref.logit, out.logit.data)}`);
  assert.ok(maxAbsDiff(ref.subtype_logits, out.subtype_logits.data) <= 1e-4);
  const q = await quantizeQdq(bytes, [x]);
  const qo = await runModel(q.bytes, { [io.input]: { dims, data: x } });
  // an untrained head on mean-dominated features: logits near 3.5 that differ little; int8 within 10% of them
  const scale = Math.max(...ref.logit.map(Math.abs));
  const d = maxAbsDiff(out.logit.data, qo.logit.data);
  assert.ok(d < 0.1 * scale, `int8 logit diff ${d} (largest |logit| ${scale})`);
});

Deno.test("a missing layer and a bad size are refused with what to do", async () => {
  await assert.rejects(loadBackbone("mobilenetv2", { upTo: "no_such_layer" }), /has no layer "no_such_layer"/);
  await assert.rejects(loadBackbone("mobilenetv2", { size: 16 }), /integer ≥ 32/);
});
