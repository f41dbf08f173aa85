/**
 * Which fold of a blocked cross-validation a manifest is (`deno task prepare --fold K/N`). No
 * imports, so that a CLI can parse the flag before anything heavy loads.
 *
 * @module
 */

/**
 * Blocked cross-validation on the `highest` layout: the test block stays where it is, and the rest
 * of each stratum (highest first) is cut into `count` contiguous parts by image count; part `index`
 * (1 = the part just below test, as the default val block) is val, the others train. Every part
 * is a block of new patients for the model that did not train on it, so `count` runs, one per
 * fold, score every non-test image out of fold.
 */
export interface Fold {
  /** which part is val, 1…count */
  index: number;
  /** how many parts the non-test images are cut into (≥ 2) */
  count: number;
}

/**
 * Parses `--fold K/N` ("2/5": the second of five parts is val).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseFold("2/5"), { index: 2, count: 5 });
 * assert.throws(() => parseFold("6/5"), /--fold must be K\/N with 1 ≤ K ≤ N and N ≥ 2/);
 * ```
 */
export function parseFold(text: string): Fold {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!(count >= 2 && index >= 1 && index <= count)) {
    throw new Error(`--fold must be K/N with 1 ≤ K ≤ N and N ≥ 2 (e.g. 2/5), got "${text}"`);
  }
  return { index, count };
}
