/**
 * Results per subtype (e.g. Taleqani Benign/Early/Pre/Pro).
 *
 * @module
 */
import type { Scored } from "./types.ts";

/** Recall within one subtype at the threshold. */
export interface SubtypeResult {
  subtype: string;
  /** `all` when the subtype's examples are positive; `normal` otherwise. */
  label: "all" | "normal";
  n: number;
  /** Correctly classified: detected (`all` subtypes) or cleared (`normal` subtypes). */
  correct: number;
  /** correct / n: sensitivity for an `all` subtype, specificity for a `normal` one. */
  recall: number;
}

/**
 * Per-subtype recall at `threshold` (`score ≥ threshold` → all); rows without a subtype are skipped.
 * Subtypes are returned in name order; a subtype mixing labels is split by label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [
 *   { score: 0.1, positive: false, subtype: "Benign" },
 *   { score: 0.4, positive: false, subtype: "Benign" },
 *   { score: 0.9, positive: true, subtype: "Pro" },
 * ];
 * assert.deepEqual(perSubtype(rows, 0.3), [
 *   { subtype: "Benign", label: "normal", n: 2, correct: 1, recall: 0.5 },
 *   { subtype: "Pro", label: "all", n: 1, correct: 1, recall: 1 },
 * ]);
 * ```
 */
export function perSubtype(rows: readonly (Scored & { subtype?: string })[], threshold: number): SubtypeResult[] {
  const acc = new Map<string, SubtypeResult>();
  for (const r of rows) {
    if (r.subtype === undefined) continue;
    const label = r.positive ? "all" : "normal";
    const key = `${r.subtype}\u0000${label}`;
    const s = acc.get(key) ?? { subtype: r.subtype, label, n: 0, correct: 0, recall: NaN };
    s.n++;
    if ((r.score >= threshold) === r.positive) s.correct++;
    acc.set(key, s);
  }
  return [...acc.values()]
    .map((s) => ({ ...s, recall: s.correct / s.n }))
    .sort((a, b) => (a.subtype < b.subtype ? -1 : a.subtype > b.subtype ? 1 : a.label < b.label ? -1 : 1));
}
