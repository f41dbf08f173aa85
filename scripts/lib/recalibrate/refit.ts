/**
 * A served model's operating point refitted on one lab's labelled images: the threshold and review
 * band chosen at the card's own rule on the lab's scores, and an honest estimate of what the refitted
 * point answers for that lab's *next* patients — cross-validated by patient (each patient's images
 * answered with the point fitted on the other patients), as the project chooses its own points on
 * out-of-fold scores.
 *
 * The temperature stays the card's: it was fitted on thousands of out-of-fold images, and the
 * decisions depend only on the order of the scores, which a temperature does not change.
 *
 * @module
 */
import { probabilityFromLogit, serviceDecision } from "../../../model/core/mod.ts";
import { hashString, seededRandom, shuffled } from "../data/random.ts";
import { type OperatingPoint, thresholdForSensitivity, thresholdForSpecificity } from "../metrics/threshold.ts";
import type { AnsweredImage } from "../shift_suite/answers.ts";

/** One lab image scored by the served network. */
export interface LabScore {
  /** True label is `all`. */
  positive: boolean;
  /** Patient (or, without patient ids, the image itself): the unit of cross-validation and intervals. */
  group: string;
  /** The `all` logit, before temperature. */
  logit: number;
  /** The card's input-domain check flags it: the service answers `review` whatever the score. */
  outOfDomain: boolean;
}

/** The targets an operating point is chosen for (the card's `metrics.evaluation.operatingPoint`). */
export type PointRule = OperatingPoint["rule"];

/** The rule the project's cards use when a card does not name its own. */
export const DEFAULT_RULE: PointRule = { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.99 };

/**
 * The rule a card's point was chosen for, or `fallback` for a card that does not say.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = { metrics: { evaluation: { operatingPoint: { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.95 } } } };
 * assert.deepEqual(cardRule(card), { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.95 });
 * assert.deepEqual(cardRule({}), DEFAULT_RULE);
 * ```
 */
export function cardRule(card: { metrics?: Record<string, unknown> }, fallback: PointRule = DEFAULT_RULE): PointRule {
  const op = (card.metrics?.evaluation as { operatingPoint?: Partial<PointRule> } | undefined)?.operatingPoint;
  const pick = (v: unknown, d: number) => (typeof v === "number" && v > 0 && v < 1 ? v : d);
  return {
    targetSensitivity: pick(op?.targetSensitivity, fallback.targetSensitivity),
    bandSensitivity: pick(op?.bandSensitivity, fallback.bandSensitivity),
    bandSpecificity: pick(op?.bandSpecificity, fallback.bandSpecificity),
  };
}

/** A threshold and review band on p(all), with the temperature they are read at. */
export interface Point {
  temperature: number;
  threshold: number;
  reviewBand: [number, number];
}

/**
 * Images of a class a rate needs before its quantile is resolved: at sensitivity 0.998 the 0.2%
 * lowest-scoring ALL images set the edge, which takes 500 of them to exist at all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([resolvedBy(0.998), resolvedBy(0.99), resolvedBy(0.5)], [500, 100, 2]);
 * ```
 */
export function resolvedBy(rate: number): number {
  return Math.ceil(1 / (1 - rate) - 1e-9);
}

/** Which edges of a fitted point were held at the shipped card's, for too few images. */
export interface Held {
  threshold: boolean;
  low: boolean;
  high: boolean;
}

/**
 * The point chosen at `rule` on `rows` (every row, flagged or not: the flags do not depend on the
 * point), at the card's `temperature`, as `chooseOperatingPoint` chooses a card's point.
 *
 * With `shipped` (the card's own point), an edge is moved in the less cautious direction only
 * when the lab has the images its rate needs ({@link resolvedBy}): the threshold and the band's low
 * edge are raised only with ≥ 100 / ≥ 500 ALL images (at 0.99 / 0.998), the band's top lowered
 * only with ≥ 100 normal images (at 0.99). Otherwise the edge is the more cautious of the two:
 * a small lab set, where every ALL image scores high, would otherwise put the edge at its lowest
 * ALL score, and the next ALL patient below it would be answered `normal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // ALL logits 4 3 1 -1, normal logits 2 0 -2 -3 -4 (temperature 1)
 * const rows = [4, 3, 1, -1, 2, 0, -2, -3, -4].map((logit, i) => ({ positive: i < 4, group: `p${i}`, logit, outOfDomain: false }));
 * const rule = { targetSensitivity: 0.75, bandSensitivity: 0.999, bandSpecificity: 0.75 };
 * const p = fitPoint(rows, rule, 1);
 * assert.equal(p.threshold.toFixed(3), "0.731"); // sigmoid(1): 3 of the 4 ALL images at or above
 * assert.deepEqual(p.reviewBand.map((x) => x.toFixed(3)), ["0.269", "0.731"]); // sigmoid(-1); the threshold
 * // against a shipped point: 4 ALL images resolve 0.75 (4 needed) but not 0.999, so the low edge
 * // stays the more cautious of lab and shipped; 5 normal images resolve 0.75, so the top moves
 * const shipped = { temperature: 1, threshold: 0.5, reviewBand: [0.1, 0.95] as [number, number] };
 * const g = fitPoint(rows, rule, 1, shipped);
 * assert.deepEqual([g.threshold.toFixed(3), g.reviewBand.map((x) => x.toFixed(3))], ["0.731", ["0.100", "0.731"]]);
 * assert.deepEqual(g.held, { threshold: false, low: true, high: false });
 * ```
 */
export function fitPoint(
  rows: readonly LabScore[],
  rule: PointRule,
  temperature: number,
  shipped?: Point,
): Point & { held: Held } {
  const scored = rows.map((r) => ({ score: probabilityFromLogit(r.logit, temperature), positive: r.positive }));
  const open = (p: number) => Math.min(1 - 1e-9, Math.max(1e-9, p));
  let threshold = open(thresholdForSensitivity(scored, rule.targetSensitivity));
  let low = open(thresholdForSensitivity(scored, rule.bandSensitivity));
  let high = open(thresholdForSpecificity(scored, rule.bandSpecificity));
  const held: Held = { threshold: false, low: false, high: false };
  if (shipped) {
    const all = rows.filter((r) => r.positive).length, normal = rows.length - all;
    if (all < resolvedBy(rule.targetSensitivity) && threshold > shipped.threshold) {
      threshold = shipped.threshold;
      held.threshold = true;
    }
    if (all < resolvedBy(rule.bandSensitivity) && low > shipped.reviewBand[0]) {
      low = shipped.reviewBand[0];
      held.low = true;
    }
    if (normal < resolvedBy(rule.bandSpecificity) && high < shipped.reviewBand[1]) {
      high = shipped.reviewBand[1];
      held.high = true;
    }
  }
  // as chooseOperatingPoint: the band always holds the threshold
  return { temperature, threshold, reviewBand: [Math.min(low, threshold), Math.max(high, threshold)], held };
}

/**
 * What the service answers for `rows` at `point`: p(all) at the point's temperature, `review` for
 * an image the domain check flags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const point = { temperature: 1, threshold: 0.5, reviewBand: [0.2, 0.8] as [number, number] };
 * const rows = [3, 0.5, -3, 3].map((logit, i) => ({ positive: true, group: "p", logit, outOfDomain: i === 3 }));
 * assert.deepEqual(answerAt(rows, point).map((a) => a.decision), ["all", "review", "normal", "review"]);
 * ```
 */
export function answerAt(rows: readonly LabScore[], point: Point): AnsweredImage[] {
  return rows.map((r) => {
    const score = probabilityFromLogit(r.logit, point.temperature);
    return {
      positive: r.positive,
      group: r.group,
      score,
      decision: serviceDecision(point, score, r.outOfDomain),
      outOfDomain: r.outOfDomain,
    };
  });
}

/**
 * Groups (patients) dealt into `k` folds, ALL patients and normal patients dealt separately so that
 * every fold gets both where it can: a seeded shuffle of each class's groups, then round robin.
 * A group is the class most of its images have. Returns group → fold index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = ["a1", "a2", "a3", "n1", "n2", "n3"].flatMap((group) =>
 *   [0, 1].map(() => ({ positive: group.startsWith("a"), group, logit: 0, outOfDomain: false })));
 * const folds = groupFolds(rows, 3, 1);
 * assert.equal(folds.size, 6);
 * for (const k of [0, 1, 2]) {
 *   const inFold = [...folds].filter(([, f]) => f === k).map(([g]) => g[0]).sort().join("");
 *   assert.equal(inFold, "an"); // one ALL patient and one normal patient per fold
 * }
 * ```
 */
export function groupFolds(rows: readonly LabScore[], k: number, seed: number): Map<string, number> {
  const votes = new Map<string, number>();
  for (const r of rows) votes.set(r.group, (votes.get(r.group) ?? 0) + (r.positive ? 1 : -1));
  const groups = [...votes.keys()].sort();
  const folds = new Map<string, number>();
  let next = 0;
  for (const positive of [true, false]) {
    const mine = groups.filter((g) => (votes.get(g)! >= 0) === positive);
    for (const g of shuffled(mine, seededRandom(seed + hashString(positive ? "all" : "normal")))) {
      folds.set(g, next % k);
      next++;
    }
  }
  return folds;
}

/** The cross-validated answers and the folds they came from. */
export interface CrossValidated {
  /** Every row answered with the point fitted on the other folds' rows, in `rows` order. */
  answers: AnsweredImage[];
  /** Folds used (fewer than asked when there are fewer patients). */
  folds: number;
  /** Each fold's point. */
  points: Point[];
}

/**
 * Each patient's images answered at the point fitted, at `rule`, on the other patients' images
 * (held against `shipped` as {@link fitPoint} says, with the fitting folds' counts): what the
 * refitted point answers for patients it was not fitted on. `k` is capped at the number
 * of patients of the rarer class, so that every fitting set has both classes; at least 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // four ALL patients, four normal patients, two images each; one ALL patient scores low
 * const logits: Record<string, number> = { a1: 4, a2: 3, a3: 5, a4: -1, n1: -3, n2: -4, n3: -2, n4: -5 };
 * const rows = Object.entries(logits).flatMap(([group, logit]) =>
 *   [0, 0.1].map((d) => ({ positive: group.startsWith("a"), group, logit: logit + d, outOfDomain: false })));
 * const rule = { targetSensitivity: 0.99, bandSensitivity: 0.999, bandSpecificity: 0.99 };
 * const cv = crossValidate(rows, rule, 1, 5);
 * assert.equal(cv.folds, 4);
 * // the low ALL patient is unseen when answered: the point fitted without it answers it `normal`
 * assert.deepEqual(cv.answers.filter((a) => a.group === "a4").map((a) => a.decision), ["normal", "normal"]);
 * // in-sample, the point fitted on every patient would have kept it out of `normal`
 * assert.ok(answerAt(rows, fitPoint(rows, rule, 1)).every((a) => !a.positive || a.decision !== "normal"));
 * ```
 */
export function crossValidate(
  rows: readonly LabScore[],
  rule: PointRule,
  temperature: number,
  k = 5,
  seed = 1,
  shipped?: Point,
): CrossValidated {
  const perClass = (positive: boolean) => new Set(rows.filter((r) => r.positive === positive).map((r) => r.group)).size;
  const folds = Math.max(2, Math.min(k, perClass(true), perClass(false)));
  const foldOf = groupFolds(rows, folds, seed);
  const answers: AnsweredImage[] = new Array(rows.length);
  const points: Point[] = [];
  for (let f = 0; f < folds; f++) {
    const fit = rows.filter((r) => foldOf.get(r.group) !== f);
    const point = fitPoint(fit, rule, temperature, shipped);
    points.push(point);
    const held = rows.map((r, i) => [r, i] as const).filter(([r]) => foldOf.get(r.group) === f);
    const answered = answerAt(held.map(([r]) => r), point);
    held.forEach(([, i], j) => answers[i] = answered[j]);
  }
  return { answers, folds, points };
}
