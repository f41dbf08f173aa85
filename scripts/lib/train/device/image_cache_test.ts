import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { packRgb, toBytes } from "./bytes.ts";
import { DeviceImageCache, unpackRgb } from "./image_cache.ts";
import { firstOver } from "../../../../tests/helpers/diff.ts";
import { onWasm } from "../../../../tests/helpers/on_wasm.ts";
import { FIELD_FILES, fieldSpec, loadFields } from "../../../../tests/helpers/training_fields.ts";

const SPEC = fieldSpec(40);
const FILES = [...FIELD_FILES.slice(0, 2), "tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"];
const bytes = (await loadFields(SPEC, FILES)).map((f) => toBytes(f.data));
const all = new Uint8Array(bytes.reduce((s, b) => s + b.length, 0));
bytes.reduce((o, b) => (all.set(b, o), o + b.length), 0);

Deno.test("packRgb/unpackRgb round-trip every 8-bit value exactly (cpu and wasm)", async (t) => {
  // every value in every channel, with the other two channels asymmetric
  const rgb = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) rgb.set([v, 255 - v, (v * 7) % 256], v * 3);
  const run = () => {
    const packed = tf.tensor3d(packRgb(rgb), [1, 16, 16]);
    const out = unpackRgb(packed);
    const got = Array.from(out.dataSync(), (x) => x * 255);
    tf.dispose([packed, out]);
    return got;
  };
  await tf.setBackend("cpu");
  assert.equal(firstOver(run(), rgb, 1e-4), null);
  await onWasm(t, () => assert.equal(firstOver(run(), rgb, 1e-4), null));
  assert.throws(() => packRgb(new Uint8Array(4)), /not whole RGB pixels/);
});

Deno.test("DeviceImageCache gives back the real images it holds, in the order asked, extras after", async () => {
  await tf.setBackend("cpu");
  const cache = DeviceImageCache.fromBytes(all, SPEC.size);
  assert.equal(cache.count, 3);
  const per = SPEC.size * SPEC.size * 3;
  const batch = cache.batch([2, 0, 2], bytes[1]);
  assert.deepEqual(batch.shape, [4, SPEC.size, SPEC.size, 3]);
  const got = batch.dataSync();
  [2, 0, 2, 1].forEach((src, k) => {
    const bad = firstOver(Array.from(got.subarray(k * per, (k + 1) * per), (v) => v * 255), bytes[src], 1e-3);
    assert.equal(bad, null, `position ${k} (image ${src}): ${bad}`);
  });
  batch.dispose();
  const before = tf.memory().numTensors;
  cache.batch([1]).dispose();
  assert.equal(tf.memory().numTensors, before, "a batch leaks no intermediate");
  assert.throws(() => cache.batch([3]), /image 3 is outside 0…2/);
  assert.throws(() => cache.batch([0], new Uint8Array(5)), /not whole images/);
  cache.dispose();
  assert.throws(() => DeviceImageCache.fromBytes(new Uint8Array(per + 1), SPEC.size), /not whole 40×40 RGB images/);
});
