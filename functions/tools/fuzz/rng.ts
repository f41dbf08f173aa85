/**
 * The fuzzer's seeded random choices, drawn from the project's one generator (the core's
 * mulberry32 `seededRandom`), so every fuzz run is reproducible from its seed.
 *
 * @module
 */
import { seededRandom } from "../../../model/core/mod.ts";

/** Seeded random numbers. */
export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  u32(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/**
 * A PRNG from a 32-bit seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rng = createRng(42), again = createRng(42);
 * const draws = Array.from({ length: 5 }, () => rng.int(10));
 * assert.deepEqual(Array.from({ length: 5 }, () => again.int(10)), draws); // same numbers every run for seed 42
 * assert.ok(draws.every((n) => Number.isInteger(n) && n >= 0 && n < 10));
 * assert.ok(Number.isInteger(rng.u32()) && ["x", "y"].includes(rng.pick(["x", "y"])));
 * assert.equal(rng.chance(0), false);
 * assert.equal(rng.chance(1), true);
 * ```
 */
export function createRng(seed: number): Rng {
  // seededRandom returns u32 / 2^32 exactly, so scaling back gives the generator's 32-bit word.
  const next = seededRandom(seed);
  const u32 = () => next() * 0x1_0000_0000;
  const int = (n: number) => (n <= 0 ? 0 : Math.floor(next() * n));
  return {
    u32,
    int,
    pick: (items) => items[int(items.length)],
    chance: (p) => next() < p,
  };
}
