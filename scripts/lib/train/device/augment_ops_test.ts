import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import type { FloatRgbImage } from "../../../../model/core/mod.ts";
import { applyAugment, type AugmentDraw, type AugmentOptions, DEFAULT_AUGMENT, drawAugment } from "../augment.ts";
import { makeRng, mixSeed } from "../rng.ts";
import { augmentBatch, deviceAugmentRefusal } from "./augment_ops.ts";
import { firstOver } from "../../../../tests/helpers/diff.ts";
import { onWasm } from "../../../../tests/helpers/on_wasm.ts";
import { ALL_V6_AUGMENT, fieldSpec, loadFields } from "../../../../tests/helpers/training_fields.ts";

const SIZE = 48;
const SPEC = fieldSpec(SIZE);
const images: FloatRgbImage[] = await loadFields(SPEC);
const RECIPE = ALL_V6_AUGMENT;

/** The host's and the device's images for `n` draws over the fixtures, compared image by image. */
function compare(opts: AugmentOptions, n: number, tol: number, seed = 1): number {
  const src = Array.from({ length: n }, (_, k) => images[k % images.length]);
  const draws: AugmentDraw[] = src.map((img, k) => drawAugment(makeRng(mixSeed(seed, k)), opts, img.width, img.height));
  const x = tf.tensor4d(
    Float32Array.from(src.flatMap((img) => Array.from(img.data))),
    [n, SIZE, SIZE, 3],
  );
  const out = augmentBatch(x, draws);
  const got = out.dataSync();
  tf.dispose([x, out]);
  let worst = 0;
  src.forEach((img, k) => {
    const want = applyAugment(img, draws[k]).data;
    const mine = got.subarray(k * want.length, (k + 1) * want.length);
    const bad = firstOver(mine, want, tol);
    assert.equal(bad, null, `image ${k} (${JSON.stringify(draws[k])}): ${bad}`);
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(mine[i] - want[i]));
  });
  return worst;
}

Deno.test("augmentBatch gives the host's images for every dihedral, with and without colour jitter", async () => {
  await tf.setBackend("cpu");
  const codes = Array.from({ length: 8 }, (_, c) => c);
  const x = tf.tensor4d(Float32Array.from(images[0].data), [1, SIZE, SIZE, 3]);
  for (const code of codes) {
    const out = augmentBatch(x, [{ dihedral: code, color: null }]);
    const bad = firstOver(out.dataSync(), applyAugment(images[0], { dihedral: code, color: null }).data, 0);
    out.dispose();
    assert.equal(bad, null, `dihedral ${code}: ${bad}`); // a pure permutation: exact
  }
  x.dispose();
  compare(DEFAULT_AUGMENT, 12, 1e-5);
});

Deno.test("augmentBatch gives the host's images under all-v6's recipe (tone curves, chroma, zoom in and out)", async () => {
  await tf.setBackend("cpu");
  const worst = compare(RECIPE, 24, 2e-4, 7);
  assert.ok(worst > 0, "the two paths are separate code: some rounding difference is expected");
  // each family on its own
  compare({ ...DEFAULT_AUGMENT, tone: { curve: 1, chroma: 0, minArea: 1 } }, 6, 2e-4);
  compare({ ...DEFAULT_AUGMENT, tone: { curve: 0, chroma: 1, minArea: 1 } }, 6, 1e-5);
  compare({ ...DEFAULT_AUGMENT, tone: { curve: 0, chroma: 0, minArea: 0.3 } }, 6, 1e-5);
  compare({ ...DEFAULT_AUGMENT, tone: { curve: 0, chroma: 0, minArea: 1, minScale: 0.4 } }, 6, 1e-5);
});

Deno.test("augmentBatch on wasm gives the cpu backend's images", async (t) => {
  await tf.setBackend("cpu");
  const draws = images.map((img, k) => drawAugment(makeRng(k + 11), RECIPE, img.width, img.height));
  const data = Float32Array.from(images.flatMap((img) => Array.from(img.data)));
  const run = () => {
    const x = tf.tensor4d(data, [images.length, SIZE, SIZE, 3]);
    const out = augmentBatch(x, draws);
    const v = out.dataSync().slice();
    tf.dispose([x, out]);
    return v;
  };
  const onCpu = run();
  await onWasm(t, () => assert.equal(firstOver(run(), onCpu, 1e-5), null));
});

Deno.test("augmentBatch keeps its input, leaks nothing, and refuses what it cannot do", async () => {
  await tf.setBackend("cpu");
  const x = tf.tensor4d(Float32Array.from(images[1].data), [1, SIZE, SIZE, 3]);
  const before = tf.memory().numTensors;
  const out = augmentBatch(x, [drawAugment(makeRng(3), RECIPE, SIZE, SIZE)]);
  assert.equal(tf.memory().numTensors, before + 1);
  assert.equal(x.isDisposed, false);
  tf.dispose([x, out]);
  const y = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
  assert.throws(() => augmentBatch(y, [{ dihedral: 0, color: null }]), /1 draws for a batch of 2/);
  assert.throws(
    () =>
      augmentBatch(y, [0, 1].map(() => ({ dihedral: 0, color: null, hsv: { brightness: 1, saturation: 1, hue: 0 } }))),
    /no device version/,
  );
  y.dispose();
  assert.match(
    deviceAugmentRefusal({ ...DEFAULT_AUGMENT, jpeg: { probability: 1, minQuality: 50, maxQuality: 90 } })!,
    /--aug-jpeg has no device version; drop it or train with --data-path host/,
  );
});
