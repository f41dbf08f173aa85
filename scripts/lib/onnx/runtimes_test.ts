// The exported models on onnxruntime-web (wasm, the service's runtime) and onnxruntime-node (native
// CPU, used by offline scripts).
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { exportToOnnx } from "./export.ts";
import { quantizeQdq } from "./quantize.ts";
import { maxAbsDiff, mixedModel } from "./test_models.ts";
import { runModel } from "../../../model/core/mod.ts";
import { realImages } from "../../../tests/helpers/onnx_testing.ts";

await tf.setBackend("cpu");
const { x, dims } = realImages(33);
const floatBytes = exportToOnnx(mixedModel({ size: 33, seed: 3 })).bytes;

/** onnxruntime-node at `level`; fused native int8 kernels are what these tests measure, so allowed. */
async function runNode(bytes: Uint8Array, level: "basic" | "all"): Promise<Record<string, Float32Array>> {
  const out = await runModel(bytes, { image: { dims, data: x } }, {
    backend: "node",
    optimization: level,
    allowNativeInt8Fusion: true,
  });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
}

const OUTPUTS = ["logit", "subtype_logits", "cam"];

Deno.test("float export: onnxruntime-node and onnxruntime-web agree", async () => {
  const web = await runModel(floatBytes, { image: { dims, data: x } });
  const native = await runNode(floatBytes, "all");
  for (const k of OUTPUTS) assert.ok(maxAbsDiff(web[k].data, native[k]) <= 1e-5, k);
});

Deno.test("int8: fused wasm kernels equal the unfused QDQ arithmetic (native, no fusion)", async () => {
  const { bytes } = await quantizeQdq(floatBytes, [x]);
  const web = await runModel(bytes, { image: { dims, data: x } });
  const reference = await runNode(bytes, "basic");
  for (const k of OUTPUTS) {
    assert.ok(maxAbsDiff(web[k].data, reference[k]) <= 1e-4, `${k}: ${maxAbsDiff(web[k].data, reference[k])}`);
  }
});

Deno.test("int8 reduceRange: native fused kernels (any x86) match the QDQ arithmetic too", async () => {
  const { bytes } = await quantizeQdq(floatBytes, [x], { reduceRange: true });
  const fused = await runNode(bytes, "all");
  const reference = await runNode(bytes, "basic");
  for (const k of OUTPUTS) {
    assert.ok(maxAbsDiff(fused[k], reference[k]) <= 2e-3, `${k}: ${maxAbsDiff(fused[k], reference[k])}`);
  }
});
