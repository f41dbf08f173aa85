/**
 * A small seeded PRNG (mulberry32) so every fuzz run is reproducible from its seed.
 *
 * @module
 */

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
  let a = seed >>> 0;
  const u32 = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const int = (n: number) => (n <= 0 ? 0 : Math.floor((u32() / 0x1_0000_0000) * n));
  return {
    u32,
    int,
    pick: (items) => items[int(items.length)],
    chance: (p) => u32() / 0x1_0000_0000 < p,
  };
}
