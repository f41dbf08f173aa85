/**
 * Assigning whole groups to train/val/test, stratified and seeded.
 *
 * @module
 */
import type { Split } from "./split_manifest.ts";
import { hashString, seededRandom, shuffled } from "./random.ts";
import type { Fold } from "./fold.ts";

export { type Fold, parseFold } from "./fold.ts";

/** A split unit: its id, its stratum (class) and how many images it holds. */
export interface GroupInfo {
  id: string;
  stratum: string;
  size: number;
}

/** Fractions of images per side; they must sum to 1. */
export type SplitFractions = Record<Split, number>;

/**
 * How groups are laid out before they are cut into test, val and train:
 * - `highest`: by group id, highest first: test is the block of the highest ids (file numbers) of
 *   each stratum, val the block just below it. For datasets without patient ids, where nearby file
 *   numbers share a patient, this is the split that predicts new patients: no block on the test
 *   side has a neighbour on the training side except at one boundary per class.
 * - `interleaved`: seeded shuffle of the groups (small blocks on every side, neighbours on both
 *   sides of the split: flatters a model when neighbouring blocks share patients).
 */
export type HoldoutOrder = "highest" | "interleaved";

/**
 * Builds fractions from `--val` and `--test`; train gets the rest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitFractions(0.15, 0.15), { train: 0.7, val: 0.15, test: 0.15 });
 * ```
 */
export function splitFractions(val: number, test: number): SplitFractions {
  if (!(val >= 0 && test >= 0 && val + test < 1)) {
    throw new Error(`--val ${val} and --test ${test} must be ≥ 0 and sum to less than 1`);
  }
  return { train: Math.round((1 - val - test) * 1e9) / 1e9, val, test };
}

/**
 * Assigns every group to a side. Rule, per stratum: groups are sorted by id, then either reversed
 * (`order: "highest"`: highest ids first) or shuffled with a seed derived from `seed` and the
 * stratum name (`"interleaved"`, the default), and laid end to end by image count; a group goes
 * to test if its midpoint falls in the first `test` fraction, to val if in the next `val`
 * fraction, else to train. A stratum with at least three groups always gets at least one group
 * on val and on test (the smallest train groups are moved) when those fractions are non-zero.
 * With a `fold` ({@link Fold}; `highest` only), val is that part of the non-test groups instead, by
 * the same midpoint rule, and `fractions.val` is not used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // ten blocks of 20 images in one class
 * const groups = Array.from({ length: 10 }, (_, i) => ({ id: `Pro:${i}`, stratum: "Pro", size: 20 }));
 * const sides = assignSplits(groups, { train: 0.7, val: 0.15, test: 0.15 }, 1);
 * const count = (s: string) => [...sides.values()].filter((v) => v === s).length;
 * assert.deepEqual([count("train"), count("val"), count("test")], [7, 2, 1]); // by the midpoints of 20-image blocks
 * assert.deepEqual(assignSplits(groups, { train: 0.7, val: 0.15, test: 0.15 }, 1), sides); // seeded
 * // highest: the last block is test, the one below it and its neighbour are val
 * const high = assignSplits(groups, { train: 0.7, val: 0.15, test: 0.15 }, 1, "highest");
 * assert.deepEqual(["Pro:9", "Pro:8", "Pro:7", "Pro:6"].map((id) => high.get(id)), ["test", "val", "val", "train"]);
 * ```
 */
export function assignSplits(
  groups: readonly GroupInfo[],
  fractions: SplitFractions,
  seed: number,
  order: HoldoutOrder = "interleaved",
  fold?: Fold,
): Map<string, Split> {
  if (fold && order !== "highest") throw new Error("--fold needs --holdout highest (folds are contiguous blocks)");
  const out = new Map<string, Split>();
  const strata = [...new Set(groups.map((g) => g.stratum))].sort();
  for (const stratum of strata) {
    const own = groups.filter((g) => g.stratum === stratum).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const laid = order === "highest"
      ? own.slice().reverse()
      : shuffled(own, seededRandom((seed ^ hashString(stratum)) >>> 0));
    const total = laid.reduce((s, g) => s + g.size, 0);
    let cum = 0;
    for (const g of laid) {
      const mid = (cum + g.size / 2) / total;
      cum += g.size;
      if (mid < fractions.test) out.set(g.id, "test");
      else if (fold) {
        const part = Math.min(fold.count - 1, Math.floor(((mid - fractions.test) / (1 - fractions.test)) * fold.count));
        out.set(g.id, part === fold.index - 1 ? "val" : "train");
      } else out.set(g.id, mid < fractions.test + fractions.val ? "val" : "train");
    }
    if (laid.length >= 3) {
      for (const side of ["test", "val"] as const) {
        if ((fractions[side] > 0 || (side === "val" && fold)) && !laid.some((g) => out.get(g.id) === side)) {
          const pool = laid.filter((g) => out.get(g.id) === "train");
          if (pool.length > 1) {
            const smallest = pool.reduce((a, b) => (b.size < a.size ? b : a));
            out.set(smallest.id, side);
          }
        }
      }
    }
  }
  return out;
}
