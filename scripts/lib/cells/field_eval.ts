/**
 * The cell classifier judged the way a lab reads `/v1/cells`: per field, the summary of its cells'
 * answers ({@link summarizeCells}) beside the field model's answer on the whole field; per class,
 * how many fields each answer went to; and on a one-cell-per-image dataset (C-NMC), per cell,
 * answered wrongly (ALL as `normal`, normal as `all`), sent to `review`, or right.
 *
 * @module
 */
import type { Box, Decision } from "../../../model/core/mod.ts";
import type { AnsweredImage, ShiftAnswers } from "../shift_suite/answers.ts";
import { summarizeAnswers } from "../shift_suite/answers.ts";
import type { CellSummary } from "../../../model/core/mod.ts";

/** One cell's answer. */
export interface CellAnswer {
  box: Box;
  /** p(all) after temperature. */
  pAll: number;
  decision: Decision;
  outOfDomain: boolean;
}

/** A model's answer on a whole image. */
export interface ImageAnswer {
  pAll: number;
  decision: Decision;
  outOfDomain: boolean;
}

/** One evaluated field (or C-NMC image). */
export interface FieldRow {
  path: string;
  /** Subtype (class) or label. */
  subtype: string;
  group: string;
  /** True label is `all`. */
  positive: boolean;
  /** The locator's count before its cap, and whether the cap was hit. */
  found: number;
  capped: boolean;
  cells: CellAnswer[];
  summary: CellSummary;
  /** The field model's answer on the whole image, when it was run. */
  field?: ImageAnswer;
}

/**
 * The cell path's field answer as the suite's row: the summary's decision, score = the largest
 * p(all) of its cells (0 with no cell), out of domain when any cell was flagged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const box = { x: 0, y: 0, width: 9, height: 9 };
 * const row = { path: "p", subtype: "Pre", group: "Pre:1", positive: true, found: 2, capped: false,
 *   cells: [{ box, pAll: 0.2, decision: "normal" as const, outOfDomain: false }, { box, pAll: 0.7, decision: "review" as const, outOfDomain: true }],
 *   summary: { cells: 2, all: 0, normal: 1, review: 1, blastFraction: 0, decision: "review" as const } };
 * assert.deepEqual(cellPathAnswer(row), { positive: true, group: "Pre:1", score: 0.7, decision: "review", outOfDomain: true });
 * ```
 */
export function cellPathAnswer(row: FieldRow): AnsweredImage {
  return {
    positive: row.positive,
    group: row.group,
    score: row.cells.reduce((m, c) => Math.max(m, c.pAll), 0),
    decision: row.summary.decision,
    outOfDomain: row.cells.some((c) => c.outOfDomain),
  };
}

/**
 * The field model's answer as the suite's row; throws when the row has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = { path: "p", subtype: "Benign", group: "B:1", positive: false, found: 0, capped: false, cells: [],
 *   summary: { cells: 0, all: 0, normal: 0, review: 0, blastFraction: 0, decision: "review" as const },
 *   field: { pAll: 0.1, decision: "normal" as const, outOfDomain: false } };
 * assert.equal(fieldModelAnswer(row).decision, "normal");
 * assert.throws(() => fieldModelAnswer({ ...row, field: undefined }), /no field-model answer for p/);
 * ```
 */
export function fieldModelAnswer(row: FieldRow): AnsweredImage {
  if (!row.field) throw new Error(`no field-model answer for ${row.path}`);
  return {
    positive: row.positive,
    group: row.group,
    score: row.field.pAll,
    decision: row.field.decision,
    outOfDomain: row.field.outOfDomain,
  };
}

/** Counts of answers. */
export interface AnswerCounts {
  n: number;
  all: number;
  normal: number;
  review: number;
}

/** Per class: fields, the answers of the cell path and of the field model, and the cells. */
export interface ClassRow {
  subtype: string;
  positive: boolean;
  fields: number;
  cellPath: AnswerCounts;
  fieldModel?: AnswerCounts;
  /** Cells classified per field (mean), fields with no cell, mean blast fraction. */
  cellsPerField: number;
  noCellFields: number;
  meanBlastFraction: number;
}

function counts(decisions: readonly Decision[]): AnswerCounts {
  const c = (d: Decision) => decisions.filter((x) => x === d).length;
  return { n: decisions.length, all: c("all"), normal: c("normal"), review: c("review") };
}

/**
 * Answers per class (in order of first appearance).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = (subtype: string, decision: "all" | "normal" | "review", cells: number, all: number) => ({
 *   path: "p", subtype, group: "g", positive: subtype !== "Benign", found: cells, capped: false, cells: [],
 *   summary: { cells, all, normal: cells - all, review: 0, blastFraction: cells ? all / cells : 0, decision },
 *   field: { pAll: 0.5, decision: "all" as const, outOfDomain: false },
 * });
 * const rows = perClass([row("Benign", "normal", 6, 0), row("Benign", "all", 4, 1), row("Pre", "review", 0, 0)]);
 * assert.deepEqual(rows.map((r) => [r.subtype, r.fields, r.cellPath.normal, r.cellPath.all, r.fieldModel?.all]), [
 *   ["Benign", 2, 1, 1, 2], ["Pre", 1, 0, 0, 1],
 * ]);
 * assert.deepEqual([rows[0].cellsPerField, rows[0].meanBlastFraction, rows[1].noCellFields], [5, 0.125, 1]);
 * ```
 */
export function perClass(rows: readonly FieldRow[]): ClassRow[] {
  const by = new Map<string, FieldRow[]>();
  for (const r of rows) by.set(r.subtype, [...(by.get(r.subtype) ?? []), r]);
  return [...by.entries()].map(([subtype, rs]) => ({
    subtype,
    positive: rs[0].positive,
    fields: rs.length,
    cellPath: counts(rs.map((r) => r.summary.decision)),
    ...(rs.every((r) => r.field) ? { fieldModel: counts(rs.map((r) => r.field!.decision)) } : {}),
    cellsPerField: rs.reduce((s, r) => s + r.summary.cells, 0) / rs.length,
    noCellFields: rs.filter((r) => r.summary.cells === 0).length,
    meanBlastFraction: rs.reduce((s, r) => s + (r.summary.blastFraction ?? 0), 0) / rs.length,
  }));
}

/** What the cell path and the field model answer over a set of fields, side by side. */
export interface PathComparison {
  cellPath: ShiftAnswers;
  fieldModel?: ShiftAnswers;
  classes: ClassRow[];
}

/**
 * {@link summarizeAnswers} (shares with cluster-bootstrap intervals over the groups) for the cell
 * path and, when every row has it, the field model; and {@link perClass}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = (positive: boolean, group: string, cell: "all" | "normal", field: "all" | "normal") => ({
 *   path: group, subtype: positive ? "Pre" : "Benign", group, positive, found: 1, capped: false,
 *   cells: [{ box: { x: 0, y: 0, width: 1, height: 1 }, pAll: cell === "all" ? 0.9 : 0.1, decision: cell, outOfDomain: false }],
 *   summary: { cells: 1, all: cell === "all" ? 1 : 0, normal: cell === "normal" ? 1 : 0, review: 0, blastFraction: 0, decision: cell },
 *   field: { pAll: field === "all" ? 0.9 : 0.1, decision: field, outOfDomain: false },
 * });
 * const c = comparePaths([row(true, "a", "all", "normal"), row(true, "b", "all", "all"), row(false, "c", "all", "normal")]);
 * assert.equal(c.cellPath.allAnsweredNormal.value, 0);
 * assert.equal(c.fieldModel?.allAnsweredNormal.value, 0.5);
 * assert.equal(c.cellPath.normalAnsweredNormal.value, 0);
 * ```
 */
export function comparePaths(rows: readonly FieldRow[]): PathComparison {
  return {
    cellPath: summarizeAnswers("cells", "identity", rows.map(cellPathAnswer)),
    ...(rows.length > 0 && rows.every((r) => r.field)
      ? { fieldModel: summarizeAnswers("field", "identity", rows.map(fieldModelAnswer)) }
      : {}),
    classes: perClass(rows),
  };
}

/** Per-cell results on a one-cell-per-image dataset, for one label or all. */
export interface CellTally extends AnswerCounts {
  /** ALL answered `normal` or normal answered `all`. */
  wrong: number;
  /** Answered with the true label. */
  right: number;
}

/**
 * Wrong / review / right over images whose answer is `decision` (a one-cell image's answer is its
 * cell's), in total and per true label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = tallyCells([
 *   { positive: true, decision: "all" }, { positive: true, decision: "normal" }, { positive: true, decision: "review" },
 *   { positive: false, decision: "all" }, { positive: false, decision: "normal" },
 * ]);
 * assert.deepEqual(t.total, { n: 5, all: 2, normal: 2, review: 1, wrong: 2, right: 2 });
 * assert.deepEqual([t.all.wrong, t.all.right, t.normal.wrong], [1, 1, 1]);
 * ```
 */
export function tallyCells(
  rows: readonly { positive: boolean; decision: Decision }[],
): { total: CellTally; all: CellTally; normal: CellTally } {
  const tally = (rs: readonly { positive: boolean; decision: Decision }[]): CellTally => ({
    ...counts(rs.map((r) => r.decision)),
    wrong: rs.filter((r) => r.decision === (r.positive ? "normal" : "all")).length,
    right: rs.filter((r) => r.decision === (r.positive ? "all" : "normal")).length,
  });
  return {
    total: tally(rows),
    all: tally(rows.filter((r) => r.positive)),
    normal: tally(rows.filter((r) => !r.positive)),
  };
}

/** One point of {@link fieldTradeoff}. */
export interface TradeoffPoint {
  /** Cell threshold on p(all): a field is `all` when any cell reaches it, else `normal` (no band). */
  threshold: number;
  /** ALL fields answered `normal` (no cell at or above the threshold; fields with no cell count as missed). */
  allAnsweredNormal: number;
  /** Normal fields answered `normal`. */
  normalAnsweredNormal: number;
}

/**
 * What the summary rule would answer per field at cell thresholds (no review band): the share of
 * ALL fields missed and of normal fields answered `normal`, at every distinct field score (the
 * largest p(all) of its cells) of the ALL fields, highest first; `best` is the point with the most
 * normal fields answered `normal` among those missing at most `maxMissed` of the ALL fields.
 * Fields with no cell have score 0 (never `all`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = (positive: boolean, ps: number[]) => ({
 *   path: "p", subtype: positive ? "Pre" : "Benign", group: "g", positive, found: ps.length, capped: false,
 *   cells: ps.map((pAll) => ({ box: { x: 0, y: 0, width: 1, height: 1 }, pAll, decision: "all" as const, outOfDomain: false })),
 *   summary: { cells: ps.length, all: 0, normal: 0, review: 0, blastFraction: 0, decision: "all" as const },
 * });
 * // ALL fields score 0.9, 0.6; normal fields 0.7, 0.2
 * const t = fieldTradeoff([row(true, [0.1, 0.9]), row(true, [0.6]), row(false, [0.7, 0.3]), row(false, [0.2])], 0);
 * assert.deepEqual(t.points.map((p) => [p.threshold, p.allAnsweredNormal, p.normalAnsweredNormal]), [[0.9, 0.5, 1], [0.6, 0, 0.5]]);
 * assert.equal(t.best?.threshold, 0.6); // misses no ALL field, half the normal fields answered normal
 * ```
 */
export function fieldTradeoff(
  rows: readonly FieldRow[],
  maxMissed = 0.01,
): { points: TradeoffPoint[]; best: TradeoffPoint | null } {
  const scoreOf = (r: FieldRow) => r.cells.reduce((m, c) => Math.max(m, c.pAll), 0);
  const pos = rows.filter((r) => r.positive).map(scoreOf);
  const neg = rows.filter((r) => !r.positive).map(scoreOf);
  const thresholds = [...new Set(pos.filter((s) => s > 0))].sort((a, b) => b - a);
  const points = thresholds.map((threshold) => ({
    threshold,
    allAnsweredNormal: pos.filter((s) => s < threshold).length / Math.max(1, pos.length),
    normalAnsweredNormal: neg.length ? neg.filter((s) => s < threshold).length / neg.length : NaN,
  }));
  const ok = points.filter((p) => p.allAnsweredNormal <= maxMissed + 1e-12);
  const best = ok.reduce<TradeoffPoint | null>(
    (b, p) => (b === null || p.normalAnsweredNormal > b.normalAnsweredNormal ? p : b),
    null,
  );
  return { points, best };
}
