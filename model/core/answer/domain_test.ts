import assert from "node:assert/strict";
import { checkDomain, featureDistance } from "./domain.ts";

Deno.test("checkDomain: no card domain or all in range → no reasons", () => {
  assert.deepEqual(checkDomain(undefined, { meanR: 5 }), []);
  assert.deepEqual(checkDomain({ ranges: { meanR: [0, 1], stdG: [0.1, 0.2] } }, { meanR: 1, stdG: 0.1 }), []);
});

Deno.test("checkDomain: each violated range gives one reason naming it", () => {
  const r = checkDomain({ ranges: { meanR: [0.4, 0.9], stdG: [0.1, 0.2], darkFraction: [0, 0.5] } }, {
    meanR: 0.1,
    stdG: 0.15,
    darkFraction: 0.75,
  });
  assert.equal(r.length, 2);
  assert.match(r[0], /meanR = 0\.100 .*\[0\.400, 0\.900\]/);
  assert.match(r[1], /darkFraction = 0\.750/);
});

Deno.test("checkDomain: a statistic the image lacks is reported", () => {
  assert.match(checkDomain({ ranges: { hue: [0, 1] } }, {})[0], /hue cannot be computed/);
});

// Σ = [[4, 2], [2, 3]]: Σ⁻¹ = [[3, −2], [−2, 4]] / 8; Cholesky L = [[2, 0], [1, √2]], W = L⁻¹.
const W = [0.5, 0, -1 / (2 * Math.SQRT2), 1 / Math.SQRT2];
const features = (threshold: number) => ({
  output: "features",
  mean: [1, -1],
  whitening: W,
  dims: 2,
  threshold,
  fitted: { images: 100, shrinkage: 0.1, quantile: 0.995, validationImages: 40 },
});

Deno.test("featureDistance: the Mahalanobis distance under a known correlated covariance, not symmetric in the axes", () => {
  // f − mean = (1, 2): d² = (3·1 − 4·1·2 + 4·4) / 8 = 11/8
  assert.ok(Math.abs(featureDistance(features(1), new Float32Array([2, 1])) - Math.sqrt(11 / 8)) < 1e-12);
  // f − mean = (2, 1): d² = (3·4 − 4·2 + 4·1) / 8 = 1
  assert.ok(Math.abs(featureDistance(features(1), [3, 0]) - 1) < 1e-12);
  assert.equal(featureDistance(features(1), [1, -1]), 0);
  assert.throws(() => featureDistance(features(1), [1, 2, 3]), /3 features but the card's domain.features has dims 2/);
});

Deno.test("checkDomain with features: exactly at the threshold is in domain, above it is flagged, after the ranges", () => {
  const identity = { ...features(5), mean: [0, 0], whitening: [1, 0, 0, 1] };
  const ranges = { stdR: [0.05, 0.3] as [number, number] };
  assert.deepEqual(checkDomain({ ranges, features: identity }, { stdR: 0.1 }, new Float32Array([3, 4])), []);
  assert.deepEqual(
    checkDomain({ ranges, features: { ...identity, threshold: 4.99 } }, { stdR: 0 }, new Float32Array([3, 4])),
    [
      "out_of_domain: stdR = 0.000 is outside [0.050, 0.300] seen in training",
      "out_of_domain: feature distance 5.00 above 4.99 (the image is unlike the training images)",
    ],
  );
  assert.deepEqual(checkDomain({ ranges: {}, features: identity }, {}, new Float32Array([NaN, 0])), [
    "out_of_domain: feature distance NaN above 5.00 (the image is unlike the training images)",
  ]);
});

Deno.test("checkDomain with features: no features for a card that has the check is a reason; without the check they are ignored", () => {
  assert.deepEqual(checkDomain({ ranges: {}, features: features(3) }, {}), [
    'out_of_domain: feature distance cannot be computed (no "features" output for this image)',
  ]);
  assert.deepEqual(checkDomain({ ranges: { meanR: [0, 1] } }, { meanR: 0.5 }, new Float32Array([100, 100])), []);
});
