/**
 * Epoch plans: which training item goes into which batch.
 *
 * @module
 */
import { makeRng, mixSeed, shuffled } from "./rng.ts";

/** How the class imbalance is handled. */
export type Balance = "sample" | "weight" | "none";

/**
 * The batches of one epoch, as lists of item indices (into `labels`). Deterministic in
 * (seed, epoch). With `sample`, every batch draws alternately from the positive and negative
 * pools (each reshuffled when used up), so classes are seen equally often; the epoch has
 * `labels.length` samples. Otherwise one shuffled pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const labels = [true, false, true, true, true, false];
 * const batches = epochBatches(labels, 2, 1, 0, "sample"); // run seed 1, epoch 0
 * assert.equal(batches.length, 3);
 * assert.ok(batches.every(([a, b]) => labels[a] !== labels[b])); // `all` and `normal` alternate
 * assert.deepEqual(epochBatches(labels, 2, 1, 0, "sample"), batches); // seeded
 * ```
 */
export function epochBatches(
  labels: readonly boolean[],
  batch: number,
  seed: number,
  epoch: number,
  balance: Balance,
): number[][] {
  const rng = makeRng(mixSeed(seed, epoch, 7));
  const all = labels.map((_, i) => i);
  let order: number[];
  if (balance === "sample") {
    const pos = all.filter((i) => labels[i]), neg = all.filter((i) => !labels[i]);
    if (pos.length === 0 || neg.length === 0) {
      order = shuffled(all, rng);
    } else {
      const pools = [pos, neg].map((p) => ({ items: p, order: shuffled(p, rng), k: 0 }));
      order = [];
      for (let i = 0; i < all.length; i++) {
        const pool = pools[i % 2];
        if (pool.k === pool.order.length) {
          pool.order = shuffled(pool.items, rng);
          pool.k = 0;
        }
        order.push(pool.order[pool.k++]);
      }
    }
  } else {
    order = shuffled(all, rng);
  }
  const out: number[][] = [];
  for (let i = 0; i + batch <= order.length; i += batch) out.push(order.slice(i, i + batch));
  const rest = order.length % batch;
  if (rest >= Math.max(2, batch / 2)) out.push(order.slice(order.length - rest));
  return out;
}

/**
 * Per-class loss weights n/(2·n_c) for `balance = "weight"` (1 otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const w = classWeights([true, true, true, false], "weight");
 * assert.deepEqual([w.pos.toFixed(3), w.neg], ["0.667", 2]);
 * assert.deepEqual(classWeights([true, false], "sample"), { pos: 1, neg: 1 });
 * ```
 */
export function classWeights(labels: readonly boolean[], balance: Balance): { pos: number; neg: number } {
  if (balance !== "weight") return { pos: 1, neg: 1 };
  const nPos = labels.filter((l) => l).length, nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return { pos: 1, neg: 1 };
  return { pos: labels.length / (2 * nPos), neg: labels.length / (2 * nNeg) };
}
