/**
 * Test helper: how far apart two arrays of numbers are, for the training-kernel tests that compare
 * a kernel with a reference.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Largest |a[i] − b[i]| (asserts equal lengths).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(maxAbsDiff([1, 2, 3], [1, 2.5, 3]), 0.5);
 * ```
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Largest |a - b| relative to the largest |b| (at least 1); asserts equal lengths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(relDiff([10, 0], [8, 0]), 0.25); // |10 − 8| / 8
 * ```
 */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0, s = 1;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])), s = Math.max(s, Math.abs(b[i]));
  return m / s;
}
