/**
 * The review share split by class, as a table cell. Review on new patients was mispredicted on the
 * benign side only (docs/ROBUSTNESS.md), so the tables that report review show the split beside
 * the total: `deno task folds` (per fold and per shift) and `deno task suite`.
 *
 * @module
 */

/** Counts of one reading: images per class, benign answers, and review over both classes. */
export interface ReviewCounts {
  all: number;
  normal: number;
  normalAnsweredNormal: number;
  normalAnsweredAll: number;
  /** images of either class sent to review */
  review: number;
}

/**
 * `ALL x%, benign y%`: each class's share sent to review (benign review is what is neither
 * `normal` nor `all`); `—` for a class with no images.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 10 ALL (1 to review), 10 benign (5 `normal`, 1 `all`, so 4 to review)
 * const a = { all: 10, normal: 10, normalAnsweredNormal: 5, normalAnsweredAll: 1, review: 5 };
 * assert.equal(reviewByClass(a), "ALL 10.0%, benign 40.0%");
 * assert.equal(reviewByClass({ ...a, all: 0, review: 4 }), "ALL —, benign 40.0%");
 * ```
 */
export function reviewByClass(c: ReviewCounts): string {
  const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : "—");
  const benign = c.normal - c.normalAnsweredNormal - c.normalAnsweredAll;
  return `ALL ${pct(c.review - benign, c.all)}, benign ${pct(benign, c.normal)}`;
}
