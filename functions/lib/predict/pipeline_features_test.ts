import assert from "node:assert/strict";
import {
  createModelRuntime,
  decodeImage,
  type DomainCheck,
  encodeBmp,
  featureDistance,
  type ModelRuntime,
  normalizeToTensor,
  type RunOptions,
  toFloatRgb,
} from "../../../model/core/mod.ts";
import { FEATURE_DIMS, syntheticFeatureModel } from "../../../tests/helpers/feature_model.ts";
import { fakeCard, fakeRuntime } from "../../../tests/helpers/fake_model.ts";
import { predictImage } from "./pipeline.ts";

const limits = { maxPixels: 16e6, minSide: 16 };
const smear = await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg");
/** Foreign: a black-and-white checkerboard (no smear looks like it). */
const checkerboard = encodeBmp({
  width: 64,
  height: 64,
  data: Uint8Array.from({ length: 64 * 64 * 4 }, (_, i) => {
    const p = i >> 2, x = p % 64, y = p >> 6;
    return i % 4 === 3 || ((x >> 3) + (y >> 3)) % 2 ? 255 : 0;
  }),
});

/** The model's features for an image, computed outside the service's path. */
async function featuresOf(runtime: ModelRuntime, bytes: Uint8Array): Promise<Float32Array> {
  const x = normalizeToTensor(
    toFloatRgb(await decodeImage(bytes), runtime.card.preprocess),
    runtime.card.preprocess,
    "NCHW",
  );
  return (await runtime.run(x, { features: true })).features!;
}

/** Records the options of every run. */
function spy(runtime: ModelRuntime): ModelRuntime & { options: (RunOptions | undefined)[] } {
  const options: (RunOptions | undefined)[] = [];
  return { ...runtime, options, run: (input, o) => (options.push(o), runtime.run(input, o)) };
}

Deno.test("predictImage: a card with a feature check sends a foreign image to review, not the smear", async () => {
  const plain = await syntheticFeatureModel();
  const probe = await createModelRuntime(plain.card, plain.bytes);
  const fSmear = await featuresOf(probe, smear);
  const fForeign = await featuresOf(probe, checkerboard);
  await probe.close();
  const identity = Array.from({ length: FEATURE_DIMS ** 2 }, (_, i) => (i % (FEATURE_DIMS + 1) === 0 ? 1 : 0));
  const far = featureDistance({ mean: [...fSmear], whitening: identity, dims: FEATURE_DIMS }, fForeign);
  assert.ok(far > 0.01, `the two images' features differ (${far})`);
  const domain: DomainCheck = {
    ranges: {},
    features: {
      output: "features",
      mean: [...fSmear],
      whitening: identity,
      dims: FEATURE_DIMS,
      threshold: far / 2,
      fitted: { images: 1, shrinkage: 0, quantile: 1, validationImages: 1 },
    },
  };
  const { bytes, card } = await syntheticFeatureModel(domain);
  const runtime = spy(await createModelRuntime(card, bytes));
  try {
    const inDomain = await predictImage(runtime, { bytes: smear, format: "jpeg" }, limits);
    assert.equal(inDomain.reasons, undefined);
    const foreign = await predictImage(runtime, { bytes: checkerboard }, limits);
    assert.equal(foreign.decision, "review");
    assert.deepEqual(foreign.reasons, [
      `out_of_domain: feature distance ${far.toFixed(2)} above ${
        (far / 2).toFixed(2)
      } (the image is unlike the training images)`,
    ]);
    assert.deepEqual(runtime.options, [{ cam: false, features: true }, { cam: false, features: true }]);
  } finally {
    await runtime.close();
  }
});

Deno.test("predictImage: a card without a feature check runs exactly as before (no features fetched)", async () => {
  const { bytes, card } = await syntheticFeatureModel({ ranges: { stdR: [0.01, 0.45] } });
  const runtime = spy(await createModelRuntime(card, bytes));
  try {
    const p = await predictImage(runtime, { bytes: smear, format: "jpeg" }, limits);
    assert.deepEqual(runtime.options, [{ cam: false }]);
    assert.equal(p.reasons, undefined);
    const flat = await predictImage(runtime, {
      bytes: encodeBmp({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 4).fill(200) }),
    }, limits);
    assert.deepEqual(flat.reasons, ["out_of_domain: stdR = 0.000 is outside [0.010, 0.450] seen in training"]);
  } finally {
    await runtime.close();
  }
});

Deno.test("predictImage (explain): the heatmap path asks for the CAM and the features together", async () => {
  const features = {
    output: "features",
    mean: [0],
    whitening: [1],
    dims: 1,
    threshold: 1,
    fitted: { images: 1, shrinkage: 0, quantile: 1, validationImages: 1 },
  };
  const base = fakeRuntime(fakeCard({ domain: { ranges: {}, features } }));
  const runtime = spy({ ...base, run: async (x, o) => ({ ...await base.run(x, o), features: new Float32Array([3]) }) });
  const p = await predictImage(runtime, { bytes: smear, format: "jpeg" }, { ...limits, heatmap: true });
  assert.deepEqual(runtime.options, [{ cam: true, features: true }]);
  assert.ok(p.heatmap?.startsWith("data:image/png;base64,"));
  assert.deepEqual(p.reasons, [
    "out_of_domain: feature distance 3.00 above 1.00 (the image is unlike the training images)",
  ]);
});
