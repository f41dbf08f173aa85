/**
 * What the cell classifier's card says about itself, inside the card schema's own fields
 * (`intendedUse`, `limits`, `metrics`): what the model is (a per-cell classifier on crops made by
 * `locateCells` + `cropCell`), its input contract, and its measured results per field and per
 * C-NMC cell from `scripts/evaluate_cells.ts`. The card step (`deno task card`) writes the card;
 * `deno task cells:evaluate --card` then adds these, keeping every other field.
 *
 * @module
 */
import type { ModelCard } from "../../../model/core/mod.ts";
import type { Share, ShiftAnswers } from "../shift_suite/answers.ts";
import type { CellTally, ClassRow } from "./field_eval.ts";

/** Every limit this module writes starts with this, so a rewrite replaces them and keeps the others. */
export const CELL_LIMIT_PREFIX = "Cell classifier: ";

/** The per-field results of one block, as the card keeps them. */
export interface CellBlockMetrics {
  /** The fields' manifest and block. */
  manifest: string;
  split: string;
  fields: number;
  /** What the summary rule answers from the cells, and the field model on the same fields. */
  cellPath: CardShares;
  fieldModel?: CardShares & { id: string; version: string; path: string };
  classes: ClassRow[];
}

/** The shares a lab reads, with their intervals. */
export interface CardShares {
  allAnsweredNormal: Share;
  normalAnsweredNormal: Share;
  normalAnsweredAll: Share;
  review: Share;
  auroc: number | null;
}

/** The per-cell check on another dataset (one cell per image). */
export interface CellCheckMetrics {
  manifest: string;
  dataset: string;
  n: number;
  exactlyOneCell: number;
  outOfDomainCells: number;
  auroc: number | null;
  cellPath: { total: CellTally; all: CellTally; normal: CellTally };
}

/** `metrics.cells` of the card. */
export interface CellCardMetrics {
  /** The model file the results were measured with (the int8 model for both cards). */
  evaluatedWith?: string;
  val?: CellBlockMetrics;
  test?: CellBlockMetrics;
  cnmc?: CellCheckMetrics;
}

/**
 * The card's shares from a suite summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = { count: 0, of: 1, value: 0, ci: null };
 * const row = { shift: "cells", family: "identity", n: { all: 1, normal: 0 }, allAnsweredNormal: s,
 *   normalAnsweredNormal: s, normalAnsweredAll: s, review: s, outOfDomain: s, auroc: null };
 * assert.deepEqual(Object.keys(cardShares(row)), ["allAnsweredNormal", "normalAnsweredNormal", "normalAnsweredAll", "review", "auroc"]);
 * ```
 */
export function cardShares(s: ShiftAnswers): CardShares {
  return {
    allAnsweredNormal: s.allAnsweredNormal,
    normalAnsweredNormal: s.normalAnsweredNormal,
    normalAnsweredAll: s.normalAnsweredAll,
    review: s.review,
    auroc: s.auroc,
  };
}

/**
 * The card's intended use: what the model is and the input it takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.match(cellIntendedUse({ size: 64, colorMode: "relative-chroma" }), /64×64/);
 * ```
 */
export function cellIntendedUse(preprocess: Pick<ModelCard["preprocess"], "size" | "colorMode">): string {
  return "A per-cell classifier for the cells route (/v1/cells), a screening aid for acute lymphoblastic leukemia: " +
    "it scores ONE lymphoid cell, given as the crop the core makes (locateCells on the uploaded field, then " +
    "cropCell: a square centred on the cell's box, side = 1.4 × the box's longer side, every pixel outside that " +
    "cell's own region or the image black, at source resolution), resized by this card's preprocess to " +
    `${preprocess.size}×${preprocess.size} (${preprocess.colorMode ?? "rgb"}). A field's answer is the summary of ` +
    "its cells (no cell → review; any cell all → all; else any review → review; else normal). A qualified person " +
    "verifies every call; not a diagnosis, and not a replacement for the field model's answer on the whole field.";
}

const pct = (s: Share) => (s.value === null ? "–" : `${(100 * s.value).toFixed(1)}%`);
const frac = (s: Share) => `${s.count}/${s.of}`;

/**
 * The limits the measured results imply (each starts with {@link CELL_LIMIT_PREFIX}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const sh = (count: number, of: number) => ({ count, of, value: count / of, ci: null });
 * const paths = { allAnsweredNormal: sh(0, 360), normalAnsweredNormal: sh(0, 60), normalAnsweredAll: sh(3, 60),
 *   review: sh(274, 420), auroc: 0.73 };
 * const limits = cellLimits({ val: { manifest: "m", split: "val", fields: 420, cellPath: paths,
 *   fieldModel: { ...paths, normalAnsweredNormal: sh(57, 60), review: sh(8, 420), id: "all-screen", version: "5.0.0",
 *     path: "model/all-v5.int8.onnx" }, classes: [] } });
 * assert.ok(limits.every((l) => l.startsWith(CELL_LIMIT_PREFIX)));
 * assert.match(limits.join("\n"), /benign fields answered normal 0\/60.*all-screen 5.0.0 \(model\/all-v5.int8.onnx\).*57\/60/);
 * ```
 */
export function cellLimits(m: CellCardMetrics): string[] {
  const out = [
    "labels are per field, not per cell: every located cell of an ALL field was trained as all and every cell of a " +
    "Benign (hematogone) field as normal, so normal lymphocytes in ALL fields count as all and a cell's score is " +
    "weak evidence on its own.",
    "crops are resized to the model's input size, so a cell's absolute size (a blast cue) is not seen; crops made " +
    "another way (other margin, background not black, another locator) are outside its domain.",
  ];
  for (const block of [m.val, m.test]) {
    if (!block) continue;
    const c = block.cellPath, f = block.fieldModel;
    out.push(
      `per field on the new-patient ${block.split} block (${block.fields} fields, the summary rule): ALL fields ` +
        `answered normal ${frac(c.allAnsweredNormal)}, benign fields answered normal ${frac(c.normalAnsweredNormal)} ` +
        `(${pct(c.normalAnsweredNormal)}), benign answered all ${frac(c.normalAnsweredAll)}, review ` +
        `${pct(c.review)}` +
        (f
          ? `; the field model ${f.id} ${f.version} (${f.path}) on the same fields: ALL answered normal ${
            frac(f.allAnsweredNormal)
          }, benign ` +
            `answered normal ${frac(f.normalAnsweredNormal)}, review ${pct(f.review)}. Use it beside the field ` +
            "model, not instead of it."
          : "."),
    );
  }
  if (m.cnmc) {
    const t = m.cnmc.cellPath;
    out.push(
      `another lab (${m.cnmc.dataset}, ${m.cnmc.n} single cells): AUROC ${m.cnmc.auroc?.toFixed(2) ?? "–"}; ` +
        `wrong ${t.total.wrong} (ALL as normal ${t.all.wrong}/${t.all.n}, normal as all ${t.normal.wrong}/${t.normal.n}), ` +
        `review ${t.total.review}, right ${t.total.right}; ${m.cnmc.outOfDomainCells} flagged out of domain. ` +
        "It does not transfer to other labs' cells.",
    );
  }
  return out.map((l) => CELL_LIMIT_PREFIX + l);
}

/**
 * The card with the cell classifier's intended use, its limits (the card's other limits kept,
 * earlier cell limits replaced) and `metrics.cells` merged with `metrics` (a block given replaces
 * the card's same block).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ModelCard } from "../../../model/core/mod.ts";
 * const card = { preprocess: { size: 64, colorMode: "relative-chroma" }, limits: ["Trained on one dataset.", `${CELL_LIMIT_PREFIX}old`],
 *   metrics: { evaluation: { threshold: 0.2 } } } as unknown as ModelCard;
 * const cnmc = { manifest: "m", dataset: "cnmc", n: 2, exactlyOneCell: 2, outOfDomainCells: 0, auroc: 0.5,
 *   cellPath: { total: { n: 2, all: 0, normal: 0, review: 2, wrong: 0, right: 0 },
 *     all: { n: 1, all: 0, normal: 0, review: 1, wrong: 0, right: 0 }, normal: { n: 1, all: 0, normal: 0, review: 1, wrong: 0, right: 0 } } };
 * const out = annotateCellCard(card, { cnmc });
 * assert.equal(out.limits![0], "Trained on one dataset.");
 * assert.ok(!out.limits!.includes(`${CELL_LIMIT_PREFIX}old`));
 * assert.deepEqual(Object.keys(out.metrics!), ["evaluation", "cells"]);
 * assert.match(out.intendedUse!, /per-cell classifier/);
 * ```
 */
export function annotateCellCard(card: ModelCard, metrics: CellCardMetrics): ModelCard {
  const before = ((card.metrics ?? {}) as Record<string, unknown>).cells as CellCardMetrics | undefined;
  const cells: CellCardMetrics = { ...before, ...metrics };
  return {
    ...card,
    intendedUse: cellIntendedUse(card.preprocess),
    limits: [...(card.limits ?? []).filter((l) => !l.startsWith(CELL_LIMIT_PREFIX)), ...cellLimits(cells)],
    metrics: { ...(card.metrics ?? {}), cells },
  };
}
