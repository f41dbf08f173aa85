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

/**
 * The first index where |a[i] − b[i]| exceeds `tol`, as a message naming it and both values, or null
 * where none does (asserts equal lengths): for assertions on big arrays that fail by first difference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(firstOver([1, 2, 3], [1, 2.5, 3.5], 0.1), "index 1: 2 vs 2.5 (|Δ| 0.5 > 0.1)");
 * assert.equal(firstOver([1, 2], [1, 2.05], 0.1), null);
 * ```
 */
export function firstOver(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): string | null {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= tol)) return `index ${i}: ${a[i]} vs ${b[i]} (|Δ| ${Number(d.toPrecision(3))} > ${tol})`;
  }
  return null;
}
