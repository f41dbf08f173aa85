/**
 * The field's summary from its cells' decisions (`/v1/cells`), by the rule the service and the
 * evaluation share: no cell → `review` (reason `no_cells`); any cell answered `all` → `all`; else
 * any `review` → `review`; else `normal`. `blastFraction` is the share of the classified cells
 * answered `all`. One refinement for the cap: when more cells were found than were classified
 * (`MAX_CELLS`) and none of those classified is `all`, the field is `review` (the cells left out
 * were not looked at), with the reason `capped`.
 *
 * @module
 */
import type { Decision } from "../card/card.ts";

/**
 * How many cells `/v1/cells` classifies per image by default (its `MAX_CELLS`; the locator keeps
 * the largest), and what the evaluation of the cell path uses so that it measures what the
 * service answers.
 */
export const DEFAULT_MAX_CELLS = 32;

/** A field's summary, as `/v1/cells` answers it. */
export interface CellSummary {
  /** Cells classified (at most `MAX_CELLS`). */
  cells: number;
  /** Cells answered `all`. */
  all: number;
  /** Cells answered `normal`. */
  normal: number;
  /** Cells answered `review`. */
  review: number;
  /** `all` ÷ `cells`; `null` when no cell was classified. */
  blastFraction: number | null;
  /** The field's call. */
  decision: Decision;
  /** Why the call is `review` (`no_cells: …`), and `capped: …` when cells were left out; absent when none. */
  reasons?: string[];
}

/** What the locator said beyond the cells' decisions. */
export interface SummaryContext {
  /** Cells the locator found before any cap (≥ the decisions given). */
  found: number;
  /** The cap on classified cells (`MAX_CELLS`), named in the `capped` reason. */
  maxCells: number;
}

/**
 * The summary of a field whose classified cells answered `decisions`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = summarizeCells(["normal", "all", "review", "normal"], { found: 4, maxCells: 32 });
 * assert.deepEqual(s, { cells: 4, all: 1, normal: 2, review: 1, blastFraction: 0.25, decision: "all" });
 * assert.deepEqual(summarizeCells([], { found: 0, maxCells: 32 }).reasons?.map((r) => r.split(":")[0]), ["no_cells"]);
 * const capped = summarizeCells(["normal", "normal"], { found: 40, maxCells: 2 });
 * assert.equal(capped.decision, "review");
 * assert.match(capped.reasons![0], /^capped: 40 cells found, the 2 largest classified/);
 * ```
 */
export function summarizeCells(decisions: readonly Decision[], context: SummaryContext): CellSummary {
  const count = (d: Decision) => decisions.filter((x) => x === d).length;
  const all = count("all"), normal = count("normal"), review = count("review");
  const cells = decisions.length;
  const reasons: string[] = [];
  let decision: Decision;
  if (cells === 0) {
    decision = "review";
    reasons.push(
      "no_cells: no lymphoid cell was found in the image (blank, out of focus, another stain, or not a blood " +
        "smear); a person must look at it",
    );
  } else if (all > 0) decision = "all";
  else if (review > 0) decision = "review";
  else decision = "normal";
  if (context.found > cells) {
    reasons.push(
      `capped: ${context.found} cells found, the ${cells} largest classified (MAX_CELLS=${context.maxCells}); ` +
        (decision === "all" ? "the others were not looked at" : "the others were not looked at, so a person must"),
    );
    if (decision === "normal") decision = "review";
  }
  return {
    cells,
    all,
    normal,
    review,
    blastFraction: cells === 0 ? null : all / cells,
    decision,
    ...(reasons.length > 0 ? { reasons } : {}),
  };
}
