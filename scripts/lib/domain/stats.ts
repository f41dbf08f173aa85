/**
 * Image statistics for the domain check, unshifted or under shift-grid cells, and a summary of
 * which images a check flags.
 *
 * @module
 */
import type { DomainCheck, PreprocessSpec } from "../../../model/core/mod.ts";
import { imageStats } from "../../../model/core/mod.ts";
import type { RgbaImage } from "../../../model/core/mod.ts";
import { applyShiftCell, type ShiftCell } from "../shift/grid.ts";
import { checkDomain } from "./fit.ts";

/**
 * `imageStats` of each image under each cell (cells outer, images inner), computed on the image
 * the model sees: [JPEG] → the card's crop + resize → colour shift.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, parseModelCard } from "../../../model/core/mod.ts";
 * import { selectCells } from "../shift/grid.ts";
 * import { fitDomainRanges } from "./fit.ts";
 * const card = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json")));
 * const bytes = await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg");
 * const trainImages = [await decodeImage(bytes)];
 * const cells = selectCells(["identity", "brightness×1.1"]); // fit_domain uses all of SHIFT_GRID
 * const rows = await statsUnderCells(trainImages, cells, card.preprocess);
 * assert.equal(rows.length, 2);
 * assert.ok(rows[1].meanR > rows[0].meanR); // brighter
 * const domain = fitDomainRanges(rows);
 * assert.deepEqual(summarizeFlags(rows, domain).flagged, 0);
 * ```
 */
export async function statsUnderCells(
  images: readonly RgbaImage[],
  cells: readonly ShiftCell[],
  spec: PreprocessSpec,
): Promise<Record<string, number>[]> {
  const rows: Record<string, number>[] = [];
  for (const cell of cells) {
    for (const img of images) rows.push(imageStats(await applyShiftCell(img, cell, spec)));
  }
  return rows;
}

/** How many images a check flags, and for which statistics. */
export interface FlagSummary {
  n: number;
  flagged: number;
  /** Per image: whether it is flagged (same order as the input). */
  isFlagged: boolean[];
  /** Number of flagged images per violated statistic. */
  byStatistic: Record<string, number>;
}

/**
 * Applies a domain check to per-image statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(summarizeFlags([{ meanR: 0.1 }, { meanR: 0.5 }], { ranges: { meanR: [0.4, 0.9] } }), {
 *   n: 2, flagged: 1, isFlagged: [true, false], byStatistic: { meanR: 1 },
 * });
 * ```
 */
export function summarizeFlags(stats: readonly Record<string, number>[], check: DomainCheck): FlagSummary {
  const byStatistic: Record<string, number> = {};
  const isFlagged = stats.map((s) => {
    let flagged = false;
    for (const [name, range] of Object.entries(check.ranges)) {
      if (checkDomain(s, { ranges: { [name]: range } }).length > 0) {
        byStatistic[name] = (byStatistic[name] ?? 0) + 1;
        flagged = true;
      }
    }
    return flagged;
  });
  return { n: stats.length, flagged: isFlagged.filter(Boolean).length, isFlagged, byStatistic };
}
