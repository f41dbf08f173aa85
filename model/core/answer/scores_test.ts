import assert from "node:assert/strict";
import type { ModelCard } from "../card/card.ts";
import { score, softmax } from "./scores.ts";

const card = { temperature: 2, threshold: 0.5, reviewBand: [0.3, 0.7], subtypes: ["Benign", "Early"] } as Pick<
  ModelCard,
  "temperature" | "threshold" | "reviewBand" | "subtypes"
>;

Deno.test("score: temperature divides the logit before the sigmoid", () => {
  const s = score(card, 4);
  const p = 1 / (1 + Math.exp(-2));
  assert.ok(Math.abs(s.scores.all - p) < 1e-12);
  assert.ok(Math.abs(s.scores.normal - (1 - p)) < 1e-12);
  assert.equal(s.label, "all");
  assert.equal(s.decision, "all");
  assert.equal(s.subtype, undefined);
});

Deno.test("score: inside the review band the decision is review, label still by threshold", () => {
  const s = score(card, 0.2); // p ≈ 0.525
  assert.equal(s.label, "all");
  assert.equal(s.decision, "review");
  const n = score(card, -0.2);
  assert.equal(n.label, "normal");
  assert.equal(n.decision, "review");
  assert.equal(score(card, -10).decision, "normal");
});

Deno.test("score: subtype scores are a softmax keyed by the card's names", () => {
  const s = score(card, 0, new Float32Array([0, Math.log(3)]));
  assert.deepEqual(Object.keys(s.subtype!), ["Benign", "Early"]);
  assert.ok(Math.abs(s.subtype!.Benign - 0.25) < 1e-6);
  assert.ok(Math.abs(s.subtype!.Early - 0.75) < 1e-6);
});

Deno.test("softmax: stable for large logits and sums to one", () => {
  const p = softmax([1000, 1000, 999]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
  assert.ok(p.every(Number.isFinite));
});
