/**
 * The trainer's seeded randomness: the project's one generator (the core's mulberry32
 * `seededRandom`), a seed mixer, and the data module's shuffle, so that one seed gives one run.
 *
 * @module
 */
import { type Rng, seededRandom } from "../../../model/core/mod.ts";
export type { Rng };
/** Fisher–Yates shuffle into a new array (the one in `data/random.ts`, which splits use too). */
export { shuffled } from "../data/random.ts";

/** mulberry32 (the project's one seeded generator), under the trainer's name. */
export const makeRng: (seed: number) => Rng = seededRandom;

/**
 * Mixes several integers into one 32-bit seed (order matters).
 *
 * @example
 * ```ts
 * const stepSeed = mixSeed(1234, 3, 17); // run seed, epoch, step
 * if (stepSeed === mixSeed(1234, 17, 3)) throw new Error("order matters");
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
