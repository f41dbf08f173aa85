import assert from "node:assert/strict";
import { createModelRuntime, loadModelFile } from "./runtime.ts";
import { runModel } from "./session.ts";
import { ModelCardError } from "../card/card.ts";
import { FEATURE_DIMS, syntheticFeatureModel } from "../../../tests/helpers/feature_model.ts";
import { TINY_MODEL } from "../../../tests/helpers/model.ts";

const size = 32, per = 3 * size * size;
const images = Float32Array.from({ length: 3 * per }, (_, i) => Math.sin(i * 0.37) + (i < per ? 0.5 : 0));

Deno.test("run and score return the pooled features only when asked, equal to the graph's output", async () => {
  const { bytes, card } = await syntheticFeatureModel();
  const direct = await runModel(bytes, { image: { dims: [3, 3, size, size], data: images } });
  // the three images' features differ (the comparisons below are not trivially passing)
  assert.ok(Math.abs(direct.features.data[0] - direct.features.data[FEATURE_DIMS]) > 1e-3);
  for (const backend of ["web", "node"] as const) {
    if (backend === "node" && !("process" in globalThis)) continue;
    const runtime = await createModelRuntime(card, bytes, { backend, maxBatch: 2 });
    try {
      const plain = await runtime.run(images.subarray(0, per));
      assert.equal(plain.features, undefined);
      const second = images.subarray(per, 2 * per);
      const alone = await runModel(bytes, { image: { dims: [1, 3, size, size], data: second } }, { backend });
      const one = await runtime.run(second, { features: true });
      assert.deepEqual([...one.features!], [...alone.features.data]);
      assert.equal(one.logit, alone.logit.data[0]);
      const batch = await runtime.score(images, 3, { features: true }); // batches of 2 and 1
      assert.equal(batch.featureDims, FEATURE_DIMS);
      assert.equal(batch.features!.length, 3 * FEATURE_DIMS);
      // a batch can round ≈1 ulp differently from another batch size
      batch.features!.forEach((v, i) => assert.ok(Math.abs(v - direct.features.data[i]) < 1e-6, `feature ${i}`));
      assert.deepEqual(Object.keys(await runtime.score(images, 3)), ["logits"]);
    } finally {
      await runtime.close();
    }
  }
});

Deno.test("a model without a features output gives none; a card naming a missing features output is refused", async () => {
  const tiny = await loadModelFile(TINY_MODEL);
  try {
    const out = await tiny.run(new Float32Array(per), { features: true });
    assert.equal(out.features, undefined);
    assert.equal((await tiny.score(new Float32Array(per), 1, { features: true })).features, undefined);
    const check = {
      output: "features",
      mean: [0],
      whitening: [1],
      dims: 1,
      threshold: 1,
      fitted: { images: 2, shrinkage: 0, quantile: 1, validationImages: 1 },
    };
    const bytes = await Deno.readFile(TINY_MODEL);
    await assert.rejects(
      createModelRuntime({ ...tiny.card, domain: { ranges: {}, features: check } }, bytes),
      (err: Error) =>
        err instanceof ModelCardError && /names tensors the graph does not have \(features\)/.test(err.message),
    );
  } finally {
    await tiny.close();
  }
});
