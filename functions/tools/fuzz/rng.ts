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
 * const rng = createRng(42);
 * rng.int(10); // same number every run for seed 42
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
