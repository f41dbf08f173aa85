/**
 * One uploaded image through `/v1/cells`: decode → locate the cells → cut each out on black and
 * resize it for the cell model (`extract.ts`, where decoding runs: a decode worker on Deno) →
 * on the request thread, the cell model's card preprocessing for every crop, one batched model run
 * (the core's `answerResized`: the same answer rule as the field model, per cell) →
 * the field's summary (`summarizeCells`). The answer is `/v1/cells`' JSON minus `requestId` (the
 * route adds it).
 *
 * @module
 */
import type { CellSummary, Decision, ImageFormat, Label, ModelRuntime } from "../../../model/core/mod.ts";
import { answerResized, summarizeCells } from "../../../model/core/mod.ts";
import { startUpload } from "../predict/pipeline.ts";
import { type ImageDecoder, inThreadDecoder } from "../decode/job.ts";
import type { CellBox } from "./extract.ts";

/** One classified cell. */
export interface CellAnswer {
  /** Its bounding box in the uploaded image's pixels. */
  box: CellBox;
  /** Calibrated p(all) and 1 − p(all), by the cell model's card. */
  scores: { all: number; normal: number };
  /** The label by the cell model's threshold alone. */
  label: Label;
  /** `review` in the card's review band or when the crop is outside the cell model's domain. */
  decision: Decision;
  /** Why the crop is out of the cell model's domain, when it is. */
  reasons?: string[];
}

/** The answer of `/v1/cells` (without `requestId`). */
export interface CellsAnswer {
  /** The classified cells, top to bottom then left to right. */
  cells: CellAnswer[];
  summary: CellSummary;
  /** The cell model that answered. */
  model: { id: string; version: string; sha256: string };
  /** How the locator read the image. */
  locator: {
    /** `field`: a stained smear field; `black`: a cell already segmented onto black (C-NMC). */
    background: "field" | "black";
    /** Cells found before the cap. */
    found: number;
    /** More cells were found than `maxCells`: the largest were classified. */
    capped: boolean;
    /** The cap (`MAX_CELLS`). */
    maxCells: number;
  };
  input: { format: ImageFormat; width: number; height: number; sha256: string };
  /**
   * Milliseconds: decoding (with any wait for a decode worker: `decodeMs`), locating, cropping and
   * resizing the cells (`locateMs`), the cell model on every cell (`classifyMs`), and the whole
   * request from reading its body (`totalMs`).
   */
  timings: { decodeMs: number; locateMs: number; classifyMs: number; totalMs: number };
}

/** Limits and switches for {@link cellsOfImage}. */
export interface CellsOptions {
  maxPixels: number;
  minSide: number;
  /** Most cells classified (`MAX_CELLS`). */
  maxCells: number;
  /** `performance.now()` when the request started, so `totalMs` covers reading the body too. */
  startedAt?: number;
  /** Aborted when the request's budget runs out: checked between cells; a decode pool stops its worker. */
  signal?: AbortSignal;
  /** Decodes and locates (default: on this thread). */
  decoder?: ImageDecoder;
}

/**
 * Locates and classifies the cells of one uploaded image. Throws `ImageDecodeError` (or
 * `ApiError`) for bad input; the route maps those to 4xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const cellModel = await loadModelFile("tests/fixtures/models/tiny.int8.onnx"); // a stand-in cell model
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 * const a = await cellsOfImage(cellModel, { bytes, format: "png" }, { maxPixels: 16e6, minSide: 16, maxCells: 32 });
 * assert.equal(a.cells.length, 1); // a C-NMC cell: one cell on black
 * assert.deepEqual([a.locator.background, a.summary.cells, a.input.width], ["black", 1, 450]);
 * assert.equal(a.summary.decision, a.cells[0].decision);
 * await cellModel.close();
 * ```
 */
export async function cellsOfImage(
  runtime: ModelRuntime,
  image: { bytes: Uint8Array; format?: ImageFormat },
  options: CellsOptions,
): Promise<CellsAnswer> {
  const t0 = options.startedAt ?? performance.now();
  const { tDecode, hashing } = startUpload(image.bytes);
  const card = runtime.card;
  const decoder = options.decoder ?? inThreadDecoder;
  const decoded = await decoder.decode(image.bytes, {
    format: image.format,
    maxPixels: options.maxPixels,
    minSide: options.minSide,
    preprocess: card.preprocess,
    cells: { maxCells: options.maxCells },
  }, options.signal);
  const found = decoded.cells;
  if (!found) throw new Error("the decoder answered a cells job without cells");
  const tLocated = performance.now();
  const tLocate = tLocated - decoded.resizeMs;
  options.signal?.throwIfAborted();
  // every crop in one batched run, each answered by the card's rule
  const answers = await answerResized(runtime, found.crops);
  const cells: CellAnswer[] = answers.map((answered, i) => ({
    box: found.boxes[i],
    scores: answered.scores,
    label: answered.label,
    decision: answered.decision,
    ...(answered.reasons ? { reasons: answered.reasons } : {}),
  }));
  const tClassified = performance.now();
  const inputSha = await hashing;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    cells,
    summary: summarizeCells(cells.map((c) => c.decision), { found: found.found, maxCells: options.maxCells }),
    model: { id: card.id, version: card.version, sha256: card.sha256 },
    locator: { background: found.background, found: found.found, capped: found.capped, maxCells: options.maxCells },
    input: { format: decoded.format, width: decoded.width, height: decoded.height, sha256: inputSha },
    timings: {
      decodeMs: round(tLocate - tDecode),
      locateMs: round(decoded.resizeMs),
      classifyMs: round(tClassified - tLocated),
      totalMs: round(performance.now() - t0),
    },
  };
}

/**
 * The record a `/v1/cells` answer leaves in the audit trail (one per request, index 0, so that
 * `POST /v1/feedback` with its `requestId` labels the field): the summary's decision, the label
 * `all` when any cell was answered `all` (else `normal`), and the scores of the cell with the
 * highest p(all) (the one that drove the call; `{all: 0, normal: 1}` when no cell was classified).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const cell = (all: number, decision: "all" | "normal" | "review") =>
 *   ({ box: { x: 0, y: 0, width: 9, height: 9 }, scores: { all, normal: 1 - all }, label: decision === "all" ? "all" : "normal", decision } as const);
 * const r = auditedSummary({ cells: [cell(0.1, "normal"), cell(0.9, "all")], summary: { decision: "all" } });
 * assert.deepEqual([r.label, r.scores.all, r.decision], ["all", 0.9, "all"]);
 * assert.deepEqual(auditedSummary({ cells: [], summary: { decision: "review" } }).scores, { all: 0, normal: 1 });
 * ```
 */
export function auditedSummary(
  a: { cells: readonly CellAnswer[]; summary: Pick<CellSummary, "decision"> },
): { label: Label; scores: { all: number; normal: number }; decision: Decision } {
  let top: CellAnswer | undefined;
  for (const c of a.cells) if (!top || c.scores.all > top.scores.all) top = c;
  return {
    label: a.cells.some((c) => c.decision === "all") ? "all" : "normal",
    scores: top ? { ...top.scores } : { all: 0, normal: 1 },
    decision: a.summary.decision,
  };
}
