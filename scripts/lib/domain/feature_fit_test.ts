import assert from "node:assert/strict";
import { createModelRuntime, featureDistance } from "../../../model/core/mod.ts";
import { syntheticFeatureModel } from "../../../tests/helpers/feature_model.ts";
import { fixtureManifest } from "../../../tests/helpers/domain_manifest.ts";
import { fitFeatureDomain } from "./feature_fit.ts";

Deno.test("fitFeatureDomain: a refit's manifest (no val split) takes the threshold on the training originals and says so", async () => {
  const { bytes, card } = await syntheticFeatureModel();
  const runtime = await createModelRuntime(card, bytes);
  try {
    const manifest = fixtureManifest();
    const held = await fitFeatureDomain(runtime, manifest, { quantile: 1 });
    assert.equal(held.domain.features.fitted.thresholdOn, undefined);
    assert.equal(held.domain.features.fitted.validationImages, held.val.features.n);

    // the same images, val moved into train: as `prepare --val 0` writes a refit's manifest
    const refitManifest = {
      ...manifest,
      items: manifest.items.map((it) => it.split === "val" ? { ...it, split: "train" as const } : it),
    };
    const refit = await fitFeatureDomain(runtime, refitManifest, { quantile: 1 });
    const f = refit.domain.features;
    assert.equal(f.fitted.thresholdOn, "train");
    assert.equal(refit.train.features.n, held.train.features.n + held.val.features.n);
    assert.equal(f.fitted.validationImages, refit.train.features.n);
    // quantile 1: the farthest training original sits exactly at the threshold, none beyond it
    const rows = refit.train.features;
    const d = Array.from(
      { length: rows.n },
      (_, i) => featureDistance(f, Array.from(rows.data.subarray(i * rows.dims, (i + 1) * rows.dims))),
    );
    assert.equal(Math.max(...d), f.threshold);
    assert.deepEqual(refit.valDistances, d);
  } finally {
    await runtime.close();
  }
});
