/**
 * Test helper for the pipeline's metric tests (`scripts/lib/metrics/*_test.ts`): one small,
 * hand-countable set of scored examples and a tolerant number comparison.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Scored } from "../../scripts/lib/metrics/types.ts";

/**
 * Asserts `|a − b| ≤ eps`, showing both numbers when not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * close(0.1 + 0.2, 0.3);
 * close(2.5, 2.6, 0.2);
 * assert.throws(() => close(2.5, 2.6), /2.5 ≉ 2.6/);
 * ```
 */
export const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

/**
 * Nine scored examples: positives 0.9 0.8 0.6 0.3; negatives 0.7 0.5 0.4 0.2 0.1 (so at threshold
 * 0.5: tp 3, fn 1, fp 2, tn 3; AUROC 16/20).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(rows.filter((r) => r.positive).length, 4);
 * assert.equal(rows.length, 9);
 * ```
 */
export const rows: Scored[] = [
  ...[0.9, 0.8, 0.6, 0.3].map((score) => ({ score, positive: true })),
  ...[0.7, 0.5, 0.4, 0.2, 0.1].map((score) => ({ score, positive: false })),
];
