import assert from "node:assert/strict";
import { answer, serviceDecision } from "./answer.ts";

const card = {
  temperature: 2,
  threshold: 0.3,
  reviewBand: [0.2, 0.5] as [number, number],
  subtypes: ["Benign", "Early"],
  domain: { ranges: { meanR: [0.4, 0.9] as [number, number] } },
};

Deno.test("answer: temperature-scaled score, label at the threshold, decision by band, then the domain check", () => {
  // logit 2 at temperature 2: p = sigmoid(1) = 0.731 → all, outside the band
  const inDomain = answer(card, 2, { meanR: 0.5 }, new Float32Array([0, Math.log(3)]));
  assert.equal(inDomain.label, "all");
  assert.equal(inDomain.decision, "all");
  assert.ok(Math.abs(inDomain.scores.all - 1 / (1 + Math.exp(-1))) < 1e-12);
  assert.equal(inDomain.scores.all + inDomain.scores.normal, 1);
  assert.ok(Math.abs(inDomain.subtype!.Benign - 0.25) < 1e-7 && Math.abs(inDomain.subtype!.Early - 0.75) < 1e-7);
  assert.equal(inDomain.reasons, undefined);
  assert.deepEqual(Object.keys(inDomain), ["label", "scores", "decision", "subtype"]);

  const foreign = answer(card, 2, { meanR: 0.1 }, new Float32Array([0, 0]));
  assert.equal(foreign.label, "all");
  assert.equal(foreign.decision, "review");
  assert.deepEqual(foreign.reasons, ["out_of_domain: meanR = 0.100 is outside [0.400, 0.900] seen in training"]);
  // the API's key order: reasons before subtype
  assert.deepEqual(Object.keys(foreign), ["label", "scores", "decision", "reasons", "subtype"]);
});

Deno.test("answer: a missing statistic is a reason; a card without a domain check never reads stats", () => {
  assert.deepEqual(answer(card, -4, {}).reasons, ["out_of_domain: statistic meanR cannot be computed for this image"]);
  assert.deepEqual(answer(card, -4, undefined).reasons, [
    "out_of_domain: statistic meanR cannot be computed for this image",
  ]);
  const { domain: _, ...noDomain } = card;
  const a = answer(noDomain, -4, undefined);
  assert.equal(a.decision, "normal");
  assert.equal(a.reasons, undefined);
});

Deno.test("serviceDecision: exactly at the band edges and the threshold", () => {
  assert.equal(serviceDecision(card, 0.2, false), "review"); // band is [lo, hi)
  assert.equal(serviceDecision(card, 0.5, false), "all");
  assert.equal(serviceDecision(card, 0.19999, false), "normal");
  assert.equal(serviceDecision({ threshold: 0.3, reviewBand: [0.3, 0.3] }, 0.3, false), "all");
  assert.equal(serviceDecision({ threshold: 0.3, reviewBand: [0.3, 0.3] }, 0.29999, false), "normal");
  assert.equal(serviceDecision(card, 0.99, true), "review");
  assert.equal(serviceDecision(card, 0.01, true), "review");
});

Deno.test("answer agrees with serviceDecision on p(all) for every logit on a grid", () => {
  for (let logit = -6; logit <= 6; logit += 0.25) {
    const a = answer(card, logit, { meanR: 0.5 });
    assert.equal(a.decision, serviceDecision(card, a.scores.all, false), `logit ${logit}`);
    assert.equal(answer(card, logit, { meanR: 0.95 }).decision, serviceDecision(card, a.scores.all, true));
  }
});

Deno.test("answer: a card with a feature check sends a far image to review with the distance as the reason", () => {
  const features = {
    output: "features",
    mean: [0, 1],
    whitening: [2, 0, 0, 1],
    dims: 2,
    threshold: 3,
    fitted: { images: 100, shrinkage: 0, quantile: 0.995, validationImages: 40 },
  };
  const withFeatures = { ...card, domain: { ranges: card.domain.ranges, features } };
  const near = answer(withFeatures, 2, { meanR: 0.5 }, undefined, new Float32Array([1, 3])); // d = √(4 + 4)
  assert.equal(near.decision, "all");
  assert.equal(near.reasons, undefined);
  const far = answer(withFeatures, -4, { meanR: 0.5 }, undefined, new Float32Array([1, 4])); // d = √(4 + 9)
  assert.equal(far.label, "normal");
  assert.equal(far.decision, "review");
  assert.deepEqual(far.reasons, [
    "out_of_domain: feature distance 3.61 above 3.00 (the image is unlike the training images)",
  ]);
  // a card without the feature check answers the same whether or not features are passed
  assert.deepEqual(
    answer(card, 2, { meanR: 0.5 }, undefined, new Float32Array([9, 9])),
    answer(card, 2, { meanR: 0.5 }),
  );
});
