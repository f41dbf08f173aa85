/**
 * The project's one seeded pseudo-random generator (mulberry32): splits, bootstrap resamples,
 * augmentation, test-model weights and fuzz inputs all draw from it, so one seed gives one result.
 *
 * @module
 */

/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: 32-bit state, fast, good enough for shuffling, sampling and augmentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = seededRandom(42);
 * const b = seededRandom(42);
 * const first = a();
 * assert.equal(b(), first); // the same sequence on every run for seed 42
 * assert.ok(first >= 0 && first < 1);
 * ```
 */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
