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
 * const card = { temperature: 1, threshold: 0.5, reviewBand: [0.4, 0.6], subtypes: ["A", "B"] } as ModelCard;
 * score(card, 2, new Float32Array([0, 0]));
 * // { label: "all", scores: { all: 0.88.., normal: 0.11.. }, decision: "all", subtype: { A: 0.5, B: 0.5 } }
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
 * softmax(new Float32Array([0, Math.log(3)])); // [0.25, 0.75]
 * ```
 */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
