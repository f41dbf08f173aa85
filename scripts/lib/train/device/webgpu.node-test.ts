/**
 * The device data path on a real WebGPU device (Dawn, from the npm package webgpu) against the cpu
 * backend: the 8-bit cache, the recipe's augmentation and the card's normalisation. Runs where a
 * WebGPU adapter exists (a GPU, or Mesa's lavapipe on a CPU); skipped elsewhere, failed instead when
 * REQUIRE_WEBGPU=1 (CI installs lavapipe):
 *   node --import tsx --test scripts/lib/train/device/webgpu.node-test.ts
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { PreprocessSpec } from "../../../../model/core/mod.ts";
import { selectBackend } from "../../tfjs/backend.ts";
import { drawSample } from "../augment.ts";
import { evalBatch, trainBatch } from "./batch.ts";
import { toBytes } from "./bytes.ts";
import { DeviceImageCache } from "./image_cache.ts";
import { firstOver } from "../../../../tests/helpers/diff.ts";
import { ALL_V6_AUGMENT, FIELD_FILES, fieldSpec, loadFields } from "../../../../tests/helpers/training_fields.ts";

const RECIPE = ALL_V6_AUGMENT;
const base = fieldSpec(64, { whiteBalance: { brightFraction: 0.02 } });
const SPECS: PreprocessSpec[] = [
  { ...base, colorMode: "relative-chroma" }, // all-v5's member
  { ...base, colorMode: "grey" }, // all-v6's grey members
];

/** Every spec's training batch (12 draws over the fixtures, a source image in place 5) and eval batch. */
async function batches(bytes: Uint8Array): Promise<Float32Array[]> {
  const cache = DeviceImageCache.fromBytes(bytes, base.size);
  const indices = Array.from({ length: 12 }, (_, k) => k % FIELD_FILES.length);
  const draws = indices.map((index, k) => drawSample(9, index, k, RECIPE, base.size).augment);
  const source = { k: 5, rgb: bytes.slice(0, base.size * base.size * 3).reverse() };
  const out: Float32Array[] = [];
  for (const spec of SPECS) {
    for (const x of [trainBatch(cache, indices, draws, [source], spec), evalBatch(cache, [2, 0, 1], spec)]) {
      out.push(await x.data() as Float32Array);
      x.dispose();
    }
  }
  cache.dispose();
  return out;
}

test("device data path on webgpu gives the cpu backend's batches", async (t) => {
  const images = (await loadFields(base)).map((f) => toBytes(f.data));
  const bytes = new Uint8Array(images.reduce((s, b) => s + b.length, 0));
  images.reduce((o, b) => (bytes.set(b, o), o + b.length), 0);
  await tf.setBackend("cpu");
  const want = await batches(bytes);
  try {
    await selectBackend("webgpu");
  } catch (err) {
    if (process.env.REQUIRE_WEBGPU === "1") throw err;
    return t.skip(`no webgpu here: ${(err as Error).message}`);
  }
  try {
    const got = await batches(bytes);
    got.forEach((g, i) => {
      const bad = firstOver(g, want[i], 2e-3);
      assert.equal(bad, null, `${SPECS[i >> 1].colorMode} ${i % 2 ? "eval" : "train"} batch: ${bad}`);
    });
  } finally {
    await tf.setBackend("cpu");
  }
});
