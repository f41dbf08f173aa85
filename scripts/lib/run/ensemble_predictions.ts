/**
 * The predictions of an ensemble from its members' (`predictions.json` rows): per image the
 * weighted sum of the members' logits and subtype logits, as the merged ONNX graph computes them.
 *
 * @module
 */
import type { PredictionRow } from "../metrics/predictions.ts";

/**
 * Each member's coefficient in an ensemble's logit: its share of the weights over its own
 * validation temperature, c_k = w_k / Σw / T_k. `ensemble.ts` writes these into the graph and
 * {@link combinePredictions} applies them; `member_combos.ts` screens combinations with them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(ensembleCoefficients([3, 1], [0.5, 2]), [1.5, 0.125]); // 3/4 / 0.5, 1/4 / 2
 * assert.throws(() => ensembleCoefficients([1], [1, 1]), /1 weights for 2 temperatures/);
 * assert.throws(() => ensembleCoefficients([0, 0], [1, 1]), /weights must sum to more than 0/);
 * ```
 */
export function ensembleCoefficients(weights: readonly number[], temperatures: readonly number[]): number[] {
  if (weights.length !== temperatures.length) {
    throw new Error(`ensembleCoefficients: ${weights.length} weights for ${temperatures.length} temperatures`);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new Error(`ensembleCoefficients: weights must sum to more than 0, got ${weights}`);
  return weights.map((w, k) => w / total / temperatures[k]);
}

/**
 * One row per image of `members[0]`, in its order, with Σ coefficients[k] · member k's logit and
 * subtype logits (default coefficients: 1 / members, the mean); with `combine` `max`, the largest
 * coefficients[k] · logit and that member's subtype logits times its coefficient, as the graph. Throws when a member lacks an
 * image of member 0 or holds another one, or disagrees on an image's label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = (logit: number, subtypeLogits: number[]) =>
 *   ({ path: "a.jpg", split: "val" as const, label: "all" as const, logit, subtypeLogits });
 * const [m] = combinePredictions([[row(1, [0, 2])], [row(3, [2, 0])]]);
 * assert.equal(m.logit, 2);
 * assert.deepEqual(m.subtypeLogits, [1, 1]);
 * assert.equal(combinePredictions([[row(1, [0, 2])], [row(3, [2, 0])]], [0.5, 0.25])[0].logit, 1.25);
 * const [top] = combinePredictions([[row(1, [0, 2])], [row(3, [2, 0])]], [2, 1], "max"); // 2 · 1 < 1 · 3
 * assert.equal(top.logit, 3);
 * assert.deepEqual(top.subtypeLogits, [2, 0]);
 * assert.throws(() => combinePredictions([[row(1, [0])], []]), /member 1 has 0 predictions, member 0 has 1/);
 * ```
 */
export function combinePredictions(
  members: readonly (readonly PredictionRow[])[],
  coefficients: readonly number[] = members.map(() => 1 / members.length),
  combine: "mean" | "max" = "mean",
): PredictionRow[] {
  if (members.length === 0) throw new Error("combinePredictions: no members");
  if (coefficients.length !== members.length) {
    throw new Error(`combinePredictions: ${coefficients.length} coefficients for ${members.length} members`);
  }
  const key = (r: PredictionRow) => `${r.split}\u0000${r.path}`;
  const first = members[0];
  const maps = members.map((rows, k) => {
    if (rows.length !== first.length) {
      throw new Error(
        `combinePredictions: member ${k} has ${rows.length} predictions, member 0 has ${first.length}; ` +
          "train every member on the same split manifest",
      );
    }
    return new Map(rows.map((r) => [key(r), r]));
  });
  return first.map((r0) => {
    const rows = maps.map((m, k) => {
      const r = m.get(key(r0));
      if (!r) throw new Error(`combinePredictions: member ${k} has no prediction for ${r0.split} ${r0.path}`);
      if (r.label !== r0.label) throw new Error(`combinePredictions: members disagree on the label of ${r0.path}`);
      return r;
    });
    // max: the member with the largest coefficient · logit gives logit and subtypes (ties share equally)
    const scaled = rows.map((r, k) => coefficients[k] * r.logit);
    const top = Math.max(...scaled);
    const deciding: number[] = scaled.map((v) => (v === top ? 1 : 0));
    const shares = combine === "max"
      ? deciding.map((d, k) => (d / deciding.reduce((a, b) => a + b, 0)) * coefficients[k])
      : coefficients;
    const mean = (xs: number[]) => xs.reduce((s, x, k) => s + shares[k] * x, 0);
    const out: PredictionRow = { ...r0, logit: combine === "max" ? top : mean(rows.map((r) => r.logit)) };
    if (r0.subtypeLogits) {
      out.subtypeLogits = r0.subtypeLogits.map((_, j) => mean(rows.map((r) => r.subtypeLogits?.[j] ?? NaN)));
      if (out.subtypeLogits.some((v) => !Number.isFinite(v))) {
        throw new Error(`combinePredictions: a member has no subtype logits for ${r0.path}`);
      }
    }
    return out;
  });
}
