/**
 * From raw model outputs to the answer: calibrated scores, label, decision, subtype scores.
 * Everything comes from the model card.
 *
 * @module
 */
import { decide, type Decision, type Label, type ModelCard, probabilityFromLogit } from "../card/card.ts";

/** The scored answer for one image (before the domain check). */
export interface Scored {
  label: Label;
  scores: { all: number; normal: number };
  decision: Decision;
  /** Subtype name → softmax score, when the model has a subtype head. */
  subtype?: Record<string, number>;
}

/**
 * Scores one image: p(all) = sigmoid(logit / temperature); label by threshold; decision by
 * `decide` (review band); subtype scores by softmax over the subtype logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = { temperature: 1, threshold: 0.5, reviewBand: [0.4, 0.6] as [number, number], subtypes: ["A", "B"] };
 * const s = score(card, 2, new Float32Array([0, 0]));
 * assert.equal(s.label, "all");
 * assert.equal(s.decision, "all");
 * assert.equal(s.scores.all.toFixed(3), "0.881"); // sigmoid(2)
 * assert.deepEqual(s.subtype, { A: 0.5, B: 0.5 });
 * ```
 */
export function score(
  card: Pick<ModelCard, "temperature" | "threshold" | "reviewBand" | "subtypes">,
  logit: number,
  subtypeLogits?: Float32Array,
): Scored {
  const pAll = probabilityFromLogit(logit, card.temperature);
  const result: Scored = {
    label: pAll >= card.threshold ? "all" : "normal",
    scores: { all: pAll, normal: 1 - pAll },
    decision: decide(pAll, card),
  };
  if (subtypeLogits && card.subtypes) {
    const probs = softmax(subtypeLogits);
    result.subtype = Object.fromEntries(card.subtypes.map((name, i) => [name, probs[i] ?? 0]));
  }
  return result;
}

/**
 * Numerically stable softmax.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const p = softmax(new Float32Array([0, Math.log(3)]));
 * assert.deepEqual(p.map((x) => x.toFixed(3)), ["0.250", "0.750"]);
 * ```
 */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
