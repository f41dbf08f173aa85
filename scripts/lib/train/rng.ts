/**
 * Small seeded pseudo-random generators (mulberry32) so that one seed gives one run.
 *
 * @module
 */
import { type Rng, seededRandom } from "../../../model/core/mod.ts";
export type { Rng };

/** mulberry32 (the project's one seeded generator), under the trainer's name. */
export const makeRng: (seed: number) => Rng = seededRandom;

/**
 * Mixes several integers into one 32-bit seed (order matters).
 *
 * @example
 * ```ts
 * const stepSeed = mixSeed(runSeed, epoch, step);
 * ```
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/**
 * Fisher–Yates shuffle into a new array.
 *
 * @example
 * ```ts
 * shuffled([1, 2, 3], makeRng(1)); // a permutation of [1, 2, 3]
 * ```
 */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
