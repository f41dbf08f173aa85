import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { normalizeToTensor } from "../../../../model/core/mod.ts";
import { applyAugment, drawSample, sourceJpegPlan } from "../augment.ts";
import { evalBatch, trainBatch } from "./batch.ts";
import { toBytes } from "./bytes.ts";
import { DeviceImageCache } from "./image_cache.ts";
import { firstOver } from "../../../../tests/helpers/diff.ts";
import { ALL_V6_AUGMENT, FIELD_FILES, fieldSpec, loadFields } from "../../../../tests/helpers/training_fields.ts";

const SPEC = fieldSpec(48, { whiteBalance: { brightFraction: 0.02 }, colorMode: "grey" });
const RECIPE = { ...ALL_V6_AUGMENT, jpegSource: { probability: 0.5, minQuality: 40, maxQuality: 90 } };
/** The cached images as the device holds them: 8-bit. */
const bytes = (await loadFields(SPEC, FIELD_FILES.slice(0, 2))).map((f) => toBytes(f.data));
const asImage = (b: Uint8Array) => ({
  width: SPEC.size,
  height: SPEC.size,
  data: Float32Array.from(b, (v) => v / 255),
});

Deno.test("trainBatch: each position is the host path's image (cached or re-encoded), augmented and normalised", async () => {
  await tf.setBackend("cpu");
  const all = new Uint8Array(bytes[0].length * 2);
  all.set(bytes[0]), all.set(bytes[1], bytes[0].length);
  const cache = DeviceImageCache.fromBytes(all, SPEC.size);
  const indices = [1, 0, 1, 0, 0, 1];
  const draws = indices.map((index, k) => drawSample(3, index, k, RECIPE, SPEC.size));
  // positions 1 and 4 replaced by "re-encoded" images (asymmetric: a flipped copy of the other image)
  const fake = (k: number) => bytes[1 - indices[k]].slice().reverse();
  const sources = [1, 4].map((k) => ({ k, rgb: fake(k) }));
  const x = trainBatch(cache, indices, draws.map((d) => d.augment), sources, SPEC);
  const got = x.dataSync();
  x.dispose();
  const per = SPEC.size * SPEC.size * 3;
  indices.forEach((index, k) => {
    const src = asImage(k === 1 || k === 4 ? fake(k) : bytes[index]);
    const want = normalizeToTensor(applyAugment(src, draws[k].augment), SPEC, "NHWC");
    const bad = firstOver(got.subarray(k * per, (k + 1) * per), want, 5e-3);
    assert.equal(bad, null, `position ${k}: ${bad}`);
  });
  const e = evalBatch(cache, [1], SPEC);
  assert.equal(firstOver(e.dataSync(), normalizeToTensor(asImage(bytes[1]), SPEC, "NHWC"), 1e-4), null);
  e.dispose();
  assert.throws(
    () => trainBatch(cache, [0], [draws[0].augment], [{ k: 1, rgb: bytes[0] }], SPEC),
    /distinct positions in 0…0/,
  );
  assert.throws(() => trainBatch(cache, [0, 1], [draws[0].augment], [], SPEC), /1 draws for 2 images/);
  cache.dispose();
});

Deno.test("sourceJpegPlan names the positions whose draw re-encodes, with the replica's own draws", () => {
  const indices = Array.from({ length: 40 }, (_, k) => k % 7);
  const plan = sourceJpegPlan(11, indices, RECIPE, 96);
  assert.ok(plan.length > 5 && plan.length < 35, `about half of 40, got ${plan.length}`);
  for (const p of plan) assert.equal(drawSample(11, indices[p.k], p.k, RECIPE, 96).quality, p.quality);
  const others = indices.map((_, k) => k).filter((k) => !plan.some((p) => p.k === k));
  for (const k of others) assert.equal(drawSample(11, indices[k], k, RECIPE, 96).quality, null);
});
