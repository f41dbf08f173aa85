/**
 * Turns per-cell scores of the shift grid into the robustness report: sensitivity, specificity,
 * F1 and AUROC per cell at a fixed threshold, the worst cell for each metric, and the drop
 * against the identity cell in percentage points.
 *
 * @module
 */
import { confusionAt, rates } from "../metrics/confusion.ts";
import { auroc } from "../metrics/ranking.ts";
import type { Confusion, Scored } from "../metrics/types.ts";
import type { ShiftCell } from "./grid.ts";
import { serviceDecision } from "../../../model/core/mod.ts";

/** Scores of one cell: p(all) per image, in the same order as the truth array. */
export interface CellScores {
  cell: ShiftCell;
  scores: readonly number[];
  /** Per image: whether the card's input-domain check flags it (the service then answers `review`). */
  outOfDomain?: readonly boolean[];
}

/** Metrics of one cell. Drops are identity minus cell, in percentage points (positive = worse). */
export interface CellResult {
  name: string;
  kind: ShiftCell["kind"];
  confusion: Confusion;
  sensitivity: number;
  specificity: number;
  f1: number;
  auroc: number;
  /** Share of images whose p(all) falls in the review band (when a band was given). */
  reviewRate?: number;
  dropSensitivityPts: number;
  dropSpecificityPts: number;
  /**
   * What the service would answer, when a review band and domain flags were given: `review` for
   * flagged images and scores in the band, else the label. `missedAll` = ALL images answered
   * `normal` (the dangerous error), `falseAll` = normal images answered `all`.
   */
  service?: { reviewRate: number; outOfDomainRate: number; missedAll: number; falseAll: number };
  /**
   * Paired changes against identity: `lost` = images decided correctly on the identity cell and
   * wrongly here, `gained` = the reverse (a small net drop can hide many flips).
   */
  flips: { lost: number; gained: number };
}

/** The whole grid for one scorer. */
export interface ShiftReport {
  threshold: number;
  reviewBand?: [number, number];
  n: { all: number; normal: number };
  /** What one image is worth, in points of each metric (100 / class size): the grid's resolution. */
  pointsPerImage: { sensitivity: number; specificity: number };
  cells: CellResult[];
  worst: {
    sensitivity: { value: number; cell: string };
    specificity: { value: number; cell: string };
  };
  /** Largest drop vs identity anywhere on the grid, in points. */
  maxDropPts: { sensitivity: number; specificity: number };
  /** Whether both largest drops are at most `tolerancePts`. */
  withinTolerance: boolean;
  tolerancePts: number;
  /**
   * The same summary over the `beyond` cells (shifts outside the brief's grid), when any were
   * scored. They never count towards `worst`, `maxDropPts` or `withinTolerance`.
   */
  beyond?: {
    worst: ShiftReport["worst"];
    maxDropPts: ShiftReport["maxDropPts"];
  };
}

/** Options for {@link summarizeShift}. */
export interface SummaryOptions {
  threshold: number;
  reviewBand?: [number, number];
  /** Allowed drop in points (default 2). */
  tolerancePts?: number;
}

const pts = (x: number) => Math.round(x * 1e4) / 100;

/**
 * Summarises the grid. The first cell named `identity` is the reference for the drops.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const identity = { name: "identity", kind: "identity", color: {} } as const;
 * const dark = { name: "brightness×0.9", kind: "single", color: { brightness: 0.9 } } as const;
 * const r = summarizeShift([true, false], [
 *   { cell: identity, scores: [0.9, 0.1] },
 *   { cell: dark, scores: [0.4, 0.1] },
 * ], { threshold: 0.5 });
 * assert.equal(r.maxDropPts.sensitivity, 100); // the one `all` image is missed when darker
 * assert.equal(r.worst.sensitivity.cell, "brightness×0.9");
 * assert.equal(r.withinTolerance, false);
 * ```
 */
export function summarizeShift(
  positive: readonly boolean[],
  cells: readonly CellScores[],
  opts: SummaryOptions,
): ShiftReport {
  const tolerancePts = opts.tolerancePts ?? 2;
  const ref = cells.find((c) => c.cell.kind === "identity");
  if (!ref) throw new Error("summarizeShift: the grid needs an identity cell to measure drops against");
  for (const c of cells) {
    if (c.scores.length !== positive.length) {
      throw new Error(
        `summarizeShift: cell "${c.cell.name}" has ${c.scores.length} scores for ${positive.length} images`,
      );
    }
  }
  const rowsOf = (scores: readonly number[]): Scored[] => scores.map((score, i) => ({ score, positive: positive[i] }));
  const base = rates(confusionAt(rowsOf(ref.scores), opts.threshold));
  const correct = (scores: readonly number[], i: number) => (scores[i] >= opts.threshold) === positive[i];
  const results: CellResult[] = cells.map(({ cell, scores, outOfDomain }) => {
    const rows = rowsOf(scores);
    const flips = { lost: 0, gained: 0 };
    for (let i = 0; i < positive.length; i++) {
      const was = correct(ref.scores, i), now = correct(scores, i);
      if (was && !now) flips.lost++;
      else if (!was && now) flips.gained++;
    }
    const confusion = confusionAt(rows, opts.threshold);
    const r = rates(confusion);
    const result: CellResult = {
      name: cell.name,
      kind: cell.kind,
      confusion,
      sensitivity: r.sensitivity,
      specificity: r.specificity,
      f1: r.f1,
      auroc: auroc(rows),
      dropSensitivityPts: pts(base.sensitivity - r.sensitivity),
      dropSpecificityPts: pts(base.specificity - r.specificity),
      flips,
    };
    if (opts.reviewBand) {
      const [lo, hi] = opts.reviewBand;
      result.reviewRate = scores.filter((s) => s >= lo && s < hi).length / Math.max(1, scores.length);
      if (outOfDomain) {
        let review = 0, missedAll = 0, falseAll = 0;
        const card = { threshold: opts.threshold, reviewBand: opts.reviewBand };
        scores.forEach((p, i) => {
          const decision = serviceDecision(card, p, outOfDomain[i]);
          if (decision === "review") review++;
          else if (positive[i] && decision === "normal") missedAll++;
          else if (!positive[i] && decision === "all") falseAll++;
        });
        const n = Math.max(1, scores.length);
        result.service = {
          reviewRate: review / n,
          outOfDomainRate: outOfDomain.filter(Boolean).length / n,
          missedAll,
          falseAll,
        };
      }
    }
    return result;
  });
  const summary = (rs: readonly CellResult[]) => {
    const worstOf = (key: "sensitivity" | "specificity") => rs.reduce((w, c) => (c[key] < w[key] ? c : w), rs[0]);
    const ws = worstOf("sensitivity"), wp = worstOf("specificity");
    return {
      worst: {
        sensitivity: { value: ws.sensitivity, cell: ws.name },
        specificity: { value: wp.specificity, cell: wp.name },
      },
      maxDropPts: {
        sensitivity: Math.max(0, ...rs.map((c) => c.dropSensitivityPts)),
        specificity: Math.max(0, ...rs.map((c) => c.dropSpecificityPts)),
      },
    };
  };
  const inGrid = results.filter((c) => c.kind !== "beyond"), beyond = results.filter((c) => c.kind === "beyond");
  const { worst, maxDropPts } = summary(inGrid);
  const nAll = positive.filter(Boolean).length;
  return {
    threshold: opts.threshold,
    ...(opts.reviewBand ? { reviewBand: opts.reviewBand } : {}),
    n: { all: nAll, normal: positive.length - nAll },
    pointsPerImage: { sensitivity: pts(1 / nAll), specificity: pts(1 / (positive.length - nAll)) },
    cells: results,
    worst,
    maxDropPts,
    withinTolerance: maxDropPts.sensitivity <= tolerancePts && maxDropPts.specificity <= tolerancePts,
    tolerancePts,
    ...(beyond.length > 0 ? { beyond: summary(beyond) } : {}),
  };
}

/**
 * A plain-text table of a report (one row per cell), for the console.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SHIFT_GRID } from "./grid.ts";
 * const report = summarizeShift([true, false], [
 *   { cell: SHIFT_GRID[0], scores: [0.9, 0.1] },
 *   { cell: SHIFT_GRID[1], scores: [0.8, 0.2] },
 * ], { threshold: 0.5 });
 * const table = formatShiftTable("model", report); // evaluate_shift prints it
 * assert.match(table, /^model: threshold 0\.500, 1 all \/ 1 normal$/m);
 * assert.match(table, /^identity\s+1\.000\s+1\.000/m);
 * ```
 */
export function formatShiftTable(title: string, r: ShiftReport): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "  n/a");
  const d = (x: number) => (x > 0 ? `-${x.toFixed(1)}` : `+${(-x).toFixed(1)}`).padStart(6);
  const lines = [
    `${title}: threshold ${r.threshold.toFixed(3)}, ${r.n.all} all / ${r.n.normal} normal`,
    `${"cell".padEnd(22)} sens   spec   F1     AUROC  Δsens  Δspec  lost/gained${r.reviewBand ? "  review" : ""}`,
  ];
  const service = r.cells.some((c) => c.service);
  if (service) lines[1] += "  | service: review (ood)  missed-all  false-all";
  for (const c of r.cells) {
    lines.push(
      `${c.name.padEnd(22)} ${f(c.sensitivity)}  ${f(c.specificity)}  ${f(c.f1)}  ${f(c.auroc)}  ${
        d(c.dropSensitivityPts)
      } ${d(c.dropSpecificityPts)}  ${`${c.flips.lost}/${c.flips.gained}`.padStart(11)}` +
        (c.reviewRate !== undefined ? `  ${(c.reviewRate * 100).toFixed(1)}%` : "") +
        (c.service
          ? `  | ${(c.service.reviewRate * 100).toFixed(1).padStart(5)}% (${
            (c.service.outOfDomainRate * 100).toFixed(0)
          }%)  ${String(c.service.missedAll).padStart(10)}  ${String(c.service.falseAll).padStart(9)}`
          : ""),
    );
  }
  lines.push(
    `worst sensitivity ${f(r.worst.sensitivity.value)} (${r.worst.sensitivity.cell}), worst specificity ${
      f(r.worst.specificity.value)
    } (${r.worst.specificity.cell})`,
    `max drop vs identity: sensitivity ${r.maxDropPts.sensitivity.toFixed(1)} pts, specificity ${
      r.maxDropPts.specificity.toFixed(1)
    } pts → ` +
      (r.withinTolerance ? `within ${r.tolerancePts} pts` : `EXCEEDS ${r.tolerancePts} pts`) +
      ` (one image = ${r.pointsPerImage.sensitivity.toFixed(2)} pts sens, ${
        r.pointsPerImage.specificity.toFixed(2)
      } pts spec)`,
  );
  if (r.beyond) {
    lines.push(
      `beyond the grid (not in the target): worst sensitivity ${
        f(r.beyond.worst.sensitivity.value)
      } (${r.beyond.worst.sensitivity.cell}), ` +
        `worst specificity ${f(r.beyond.worst.specificity.value)} (${r.beyond.worst.specificity.cell}); max drop ${
          r.beyond.maxDropPts.sensitivity.toFixed(1)
        } / ${r.beyond.maxDropPts.specificity.toFixed(1)} pts`,
    );
  }
  return lines.join("\n");
}
