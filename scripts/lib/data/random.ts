/**
 * Seeded pseudo-random numbers, so that splits and bootstrap resamples are reproducible.
 *
 * @module
 */
export { seededRandom } from "../../../model/core/mod.ts";

/**
 * A 32-bit FNV-1a hash of a string, used to derive per-stratum seeds.
 *
 * @example
 * ```ts
 * seededRandom(1 ^ hashString("Pro"));
 * ```
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Fisher–Yates shuffle into a new array (the input is not changed).
 *
 * @example
 * ```ts
 * shuffled(["a", "b", "c"], seededRandom(1)); // a fixed permutation
 * ```
 */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
