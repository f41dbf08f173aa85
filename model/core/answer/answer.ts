/**
 * What the service answers for one image, as a pure function of the model card, the model's raw
 * outputs and the image's domain statistics. The service (`functions/`) and the offline
 * evaluations (`scripts/`) both call it, so an evaluation reports exactly what the service says.
 *
 * @module
 */
import { decide, type Decision, type ModelCard } from "../card/card.ts";
import { checkDomain } from "./domain.ts";
import { score, type Scored } from "./scores.ts";

/** The answer for one image: label and scores from the logit, the decision after the domain check. */
export interface Answer extends Scored {
  /** Why the decision is `review` for reasons other than the score (out-of-domain input). */
  reasons?: string[];
}

/** The parts of the card an answer depends on. */
export type AnswerCard = Pick<ModelCard, "temperature" | "threshold" | "reviewBand" | "subtypes" | "domain">;

/**
 * The service's rule: an image flagged by the domain check goes to `review`; any other image is
 * decided on p(all) by the card's threshold and review band.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = { threshold: 0.3, reviewBand: [0.2, 0.5] as [number, number] };
 * assert.equal(serviceDecision(card, 0.9, false), "all");
 * assert.equal(serviceDecision(card, 0.9, true), "review"); // out of domain
 * assert.equal(serviceDecision(card, 0.25, false), "review"); // inside the band
 * assert.equal(serviceDecision(card, 0.1, false), "normal");
 * ```
 */
export function serviceDecision(
  card: Pick<ModelCard, "threshold" | "reviewBand">,
  pAll: number,
  outOfDomain: boolean,
): Decision {
  return outOfDomain ? "review" : decide(pAll, card);
}

/**
 * Answers one image: p(all) = sigmoid(logit / temperature), the label by the card's threshold,
 * the decision by the review band, then `review` with reasons when `stats` fall outside the
 * card's domain ranges or the pooled `features` lie too far from the training images'. `stats` are
 * `imageStats` of the resized image and `features` the model's features output; they are only
 * read when the card has a domain check (a feature check, for `features`; pass `undefined`
 * otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = { temperature: 1, threshold: 0.5, reviewBand: [0.4, 0.6] as [number, number],
 *   domain: { ranges: { meanR: [0.4, 0.9] as [number, number] } } };
 * assert.equal(answer(card, 2, { meanR: 0.5 }).decision, "all");
 * const flagged = answer(card, 2, { meanR: 0.1 });
 * assert.equal(flagged.decision, "review");
 * assert.deepEqual(flagged.reasons, ["out_of_domain: meanR = 0.100 is outside [0.400, 0.900] seen in training"]);
 * // with a feature check (fit_domain.ts --features), the model's pooled features are held against it
 * const features = { output: "features", mean: [0, 0], whitening: [1, 0, 0, 1], dims: 2, threshold: 3,
 *   fitted: { images: 100, shrinkage: 0.1, quantile: 0.995, validationImages: 50 } };
 * const withFeatures = { ...card, domain: { ranges: {}, features } };
 * assert.equal(answer(withFeatures, 2, {}, undefined, new Float32Array([1, 2])).decision, "all");
 * assert.equal(answer(withFeatures, 2, {}, undefined, new Float32Array([3, 4])).decision, "review");
 * ```
 */
export function answer(
  card: AnswerCard,
  logit: number,
  stats: Record<string, number> | undefined,
  subtypeLogits?: Float32Array,
  features?: Float32Array,
): Answer {
  const reasons = card.domain ? checkDomain(card.domain, stats ?? {}, features) : [];
  return answerWithReasons(card, logit, reasons, subtypeLogits);
}

/**
 * {@link answer} where the domain check has already run: `reasons` (empty: in domain) turn the
 * decision into `review`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = { temperature: 1, threshold: 0.5, reviewBand: [0.2, 0.8] as [number, number] };
 * assert.equal(answerWithReasons(card, 3, []).decision, "all");
 * assert.deepEqual(answerWithReasons(card, 3, ["out_of_domain: x"]).reasons, ["out_of_domain: x"]);
 * assert.equal(answerWithReasons(card, 3, ["out_of_domain: x"]).decision, "review");
 * ```
 */
export function answerWithReasons(
  card: Omit<AnswerCard, "domain">,
  logit: number,
  reasons: readonly string[],
  subtypeLogits?: Float32Array,
): Answer {
  const scored = score(card, logit, subtypeLogits);
  return {
    label: scored.label,
    scores: scored.scores,
    decision: reasons.length > 0 ? "review" : scored.decision,
    ...(reasons.length > 0 ? { reasons: [...reasons] } : {}),
    ...(scored.subtype ? { subtype: scored.subtype } : {}),
  };
}
