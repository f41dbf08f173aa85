// Parity of the trainer's own architectures (scripts/lib/models/architectures.ts) after export and
// after int8 quantisation, on the committed real images (random seeded weights, BN statistics included).
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { exportToOnnx } from "./export.ts";
import { quantizeQdq } from "./quantize.ts";
import { maxAbsDiff, predictNchw } from "./test_models.ts";
import { randomizeWeights } from "./seeded.ts";
import { runModel } from "../../../model/core/mod.ts";
import { realImages, syntheticBatch } from "../../../tests/helpers/onnx_testing.ts";

await tf.setBackend("cpu");
// Loaded dynamically so that this test does not type-check the trainer's files (they belong to
// another module and its own tests); only their runtime behaviour matters here.
const archModule = "../models/architectures.ts";
const { ARCHITECTURES, buildModel } = await import(archModule) as {
  ARCHITECTURES: readonly string[];
  buildModel(arch: string, opts: { size: number; subtypes?: number; seed: number }): tf.LayersModel;
};

for (const arch of ARCHITECTURES) {
  Deno.test(`trainer architecture "${arch}": ONNX float within 1e-4 of tfjs, int8 close`, async () => {
    const model = buildModel(arch, { size: 32, subtypes: 4, seed: 1 });
    randomizeWeights(model, 8);
    const { x, dims } = realImages(32);
    const { bytes, io } = exportToOnnx(model);
    assert.equal(io.cam !== undefined, arch === "small-gap");
    const ref = predictNchw(model, x, dims);
    const out = await runModel(bytes, { [io.input]: { dims, data: x } });
    assert.ok(maxAbsDiff(ref.logit, out.logit.data) <= 1e-4, `logit ${maxAbsDiff(ref.logit, out.logit.data)}`);
    assert.ok(maxAbsDiff(ref.subtype_logits, out.subtype_logits.data) <= 1e-4);
    const q = await quantizeQdq(bytes, [x, syntheticBatch([4, 3, 32, 32], 3)]);
    const qo = await runModel(q.bytes, { [io.input]: { dims, data: x } });
    const spread = Math.max(...ref.logit) - Math.min(...ref.logit);
    const d = maxAbsDiff(out.logit.data, qo.logit.data);
    assert.ok(d < Math.max(0.05, 0.1 * spread), `int8 logit diff ${d} (float spread ${spread})`);
  });
}
