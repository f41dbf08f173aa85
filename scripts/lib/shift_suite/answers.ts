/**
 * What the service answers under each shift of the suite, summarised the way a lab reads it:
 * ALL answered `normal` (the dangerous error), normal answered `normal`, share sent to `review`,
 * normal answered `all`, share flagged out of domain, and AUROC of p(all) beside them; each share
 * with a cluster-bootstrap 95% interval over the manifest's groups (file-number blocks or subjects).
 *
 * @module
 */
import type { Decision } from "../../../model/core/mod.ts";
import { bootstrapCI } from "../metrics/bootstrap.ts";
import { auroc } from "../metrics/ranking.ts";
import { reviewByClass } from "../metrics/review_split.ts";

/** One image's answer under one shift. */
export interface AnsweredImage {
  /** True label is `all`. */
  positive: boolean;
  /** Split unit (block or subject): bootstrap cluster. */
  group: string;
  /** p(all) after temperature, as the service reports it. */
  score: number;
  /** What the service answers: `all`, `normal` or `review`. */
  decision: Decision;
  /** The input-domain check flagged it (so `decision` is `review`). */
  outOfDomain: boolean;
}

/** A share with its interval; `null` where the class is absent. */
export interface Share {
  /** Count of images with the property. */
  count: number;
  /** Images it is a share of. */
  of: number;
  value: number | null;
  ci: [number, number] | null;
}

/** The summary of one shift. */
export interface ShiftAnswers {
  shift: string;
  family: string;
  n: { all: number; normal: number };
  /** ALL answered `normal` (share of ALL images). */
  allAnsweredNormal: Share;
  /** Normal answered `normal` (share of normal images). */
  normalAnsweredNormal: Share;
  /** Normal answered `all` (share of normal images). */
  normalAnsweredAll: Share;
  /** All images answered `review` (share of all images). */
  review: Share;
  /** Flagged by the domain check (share of all images). */
  outOfDomain: Share;
  /** AUROC of p(all); null with one class only. */
  auroc: number | null;
}

function share(
  rows: readonly AnsweredImage[],
  of: (r: AnsweredImage) => boolean,
  hit: (r: AnsweredImage) => boolean,
  seed: number,
): Share {
  const pool = rows.filter(of);
  const count = pool.filter(hit).length;
  if (pool.length === 0) return { count: 0, of: 0, value: null, ci: null };
  const scored = pool.map((r) => ({ ...r, score: r.score, positive: r.positive }));
  const ci = bootstrapCI(scored, (s) => s.filter(hit).length / Math.max(1, s.length), {
    groupOf: (r) => r.group,
    resamples: 500,
    seed,
  });
  return { count, of: pool.length, value: count / pool.length, ci };
}

/**
 * Summarises the answers to one shift.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [
 *   { positive: true, group: "Pro:1", score: 0.9, decision: "all" as const, outOfDomain: false },
 *   { positive: true, group: "Pro:1", score: 0.2, decision: "normal" as const, outOfDomain: false },
 *   { positive: false, group: "Benign:1", score: 0.1, decision: "normal" as const, outOfDomain: false },
 *   { positive: false, group: "Benign:2", score: 0.5, decision: "review" as const, outOfDomain: true },
 * ];
 * const s = summarizeAnswers("identity", "identity", rows);
 * assert.deepEqual([s.allAnsweredNormal.count, s.allAnsweredNormal.of], [1, 2]);
 * assert.equal(s.normalAnsweredNormal.value, 0.5);
 * assert.equal(s.review.value, 0.25);
 * assert.equal(s.outOfDomain.count, 1);
 * assert.equal(s.auroc, 0.75);
 * ```
 */
export function summarizeAnswers(shift: string, family: string, rows: readonly AnsweredImage[]): ShiftAnswers {
  const pos = rows.filter((r) => r.positive).length;
  const both = pos > 0 && pos < rows.length;
  return {
    shift,
    family,
    n: { all: pos, normal: rows.length - pos },
    allAnsweredNormal: share(rows, (r) => r.positive, (r) => r.decision === "normal", 1),
    normalAnsweredNormal: share(rows, (r) => !r.positive, (r) => r.decision === "normal", 2),
    normalAnsweredAll: share(rows, (r) => !r.positive, (r) => r.decision === "all", 3),
    review: share(rows, () => true, (r) => r.decision === "review", 4),
    outOfDomain: share(rows, () => true, (r) => r.outOfDomain, 5),
    auroc: both ? auroc(rows) : null,
  };
}

/** Targets of issue #13 for one shift (shares as fractions). */
export interface SuiteTargets {
  maxAllAnsweredNormal: number;
  minNormalAnsweredNormal: number;
  maxReview: number;
  minAuroc: number;
}

/** The issue's targets under a shift (review ≤ 10%); unshifted review ≤ 5% is {@link UNSHIFTED_TARGETS}. */
export const SHIFTED_TARGETS: SuiteTargets = {
  maxAllAnsweredNormal: 0.01,
  minNormalAnsweredNormal: 0.85,
  maxReview: 0.10,
  minAuroc: 0.98,
};

/** The targets without shift. */
export const UNSHIFTED_TARGETS: SuiteTargets = { ...SHIFTED_TARGETS, maxReview: 0.05 };

/**
 * The targets a summary misses, as short strings (empty when all are met). Shares exactly at a
 * target meet it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = (v: number) => ({ count: 0, of: 1, value: v, ci: null });
 * const row = { shift: "x", family: "x", n: { all: 1, normal: 1 }, allAnsweredNormal: s(0.01),
 *   normalAnsweredNormal: s(0.85), normalAnsweredAll: s(0), review: s(0.1), outOfDomain: s(0), auroc: 0.98 };
 * assert.deepEqual(missedTargets(row, SHIFTED_TARGETS), []); // exactly at every target
 * assert.deepEqual(missedTargets({ ...row, review: s(0.11) }, SHIFTED_TARGETS), ["review 11.0% > 10%"]);
 * ```
 */
export function missedTargets(s: ShiftAnswers, t: SuiteTargets): string[] {
  const out: string[] = [];
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const eps = 1e-12;
  const a = s.allAnsweredNormal.value, nn = s.normalAnsweredNormal.value, r = s.review.value;
  if (a !== null && a > t.maxAllAnsweredNormal + eps) {
    out.push(`ALL answered normal ${pct(a)} > ${pct(t.maxAllAnsweredNormal).replace(".0", "")}`);
  }
  if (nn !== null && nn < t.minNormalAnsweredNormal - eps) {
    out.push(`normal answered normal ${pct(nn)} < ${pct(t.minNormalAnsweredNormal).replace(".0", "")}`);
  }
  if (r !== null && r > t.maxReview + eps) out.push(`review ${pct(r)} > ${pct(t.maxReview).replace(".0", "")}`);
  if (s.auroc !== null && s.auroc < t.minAuroc - eps) out.push(`AUROC ${s.auroc.toFixed(3)} < ${t.minAuroc}`);
  return out;
}

/**
 * A Markdown table of the summaries: one row per shift, shares as percentages with intervals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [{ positive: true, group: "a", score: 0.9, decision: "all" as const, outOfDomain: false },
 *   { positive: false, group: "b", score: 0.1, decision: "normal" as const, outOfDomain: false }];
 * const md = formatAnswersTable([summarizeAnswers("identity", "identity", rows)]);
 * assert.match(md, /^\| shift \| ALL answered `normal` \|/);
 * assert.match(md, /\| identity \| 0\.0% \(0\/1\)/);
 * // review split by class: 4 ALL (1 to review), 4 benign (1 `normal`, 3 to review)
 * const mixed = [0.9, 0.9, 0.9, 0.5, 0.1, 0.5, 0.5, 0.5].map((score, i) => ({
 *   positive: i < 4, group: `g${i}`, score, decision: score > 0.8 ? "all" as const : score < 0.2 ? "normal" as const : "review" as const,
 *   outOfDomain: false }));
 * assert.match(formatAnswersTable([summarizeAnswers("mixed", "identity", mixed)]), /50\.0% \(4\/8\)[^|]*; ALL 25\.0%, benign 75\.0% \|/);
 * ```
 */
export function formatAnswersTable(rows: readonly ShiftAnswers[]): string {
  const pct = (s: Share) =>
    s.value === null
      ? "—"
      : `${(s.value * 100).toFixed(1)}% (${s.count}/${s.of})${
        s.ci ? ` [${(s.ci[0] * 100).toFixed(1)}, ${(s.ci[1] * 100).toFixed(1)}]` : ""
      }`;
  const lines = [
    "| shift | ALL answered `normal` | normal answered `normal` | normal answered `all` | sent to review (of each class) | flagged out of domain | AUROC |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.shift} | ${pct(r.allAnsweredNormal)} | ${pct(r.normalAnsweredNormal)} | ${pct(r.normalAnsweredAll)} | ${
        pct(r.review)
      }; ${
        reviewByClass({
          all: r.allAnsweredNormal.of,
          normal: r.normalAnsweredNormal.of,
          normalAnsweredNormal: r.normalAnsweredNormal.count,
          normalAnsweredAll: r.normalAnsweredAll.count,
          review: r.review.count,
        })
      } | ${pct(r.outOfDomain)} | ${r.auroc === null ? "—" : r.auroc.toFixed(3)} |`,
    );
  }
  return lines.join("\n");
}
