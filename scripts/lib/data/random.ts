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
 * import assert from "node:assert/strict";
 * assert.equal(hashString(""), 0x811c9dc5); // the FNV offset basis
 * assert.equal(hashString("a"), 0xe40c292c);
 * const stratumSeed = 1 ^ hashString("Pro"); // one generator per stratum, all from seed 1
 * assert.equal(seededRandom(stratumSeed)(), seededRandom(1 ^ hashString("Pro"))());
 * assert.notEqual(seededRandom(stratumSeed)(), seededRandom(1 ^ hashString("Pre"))());
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
 * import assert from "node:assert/strict";
 * const items = ["a", "b", "c", "d", "e"];
 * const once = shuffled(items, seededRandom(1));
 * assert.deepEqual(shuffled(items, seededRandom(1)), once); // a fixed permutation for seed 1
 * assert.deepEqual([...once].sort(), items); // the same items
 * assert.deepEqual(items, ["a", "b", "c", "d", "e"]); // the input is not changed
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
