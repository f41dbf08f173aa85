/**
 * The image-size part of `/v1/cells`: a decoded upload → its cells located (the core's
 * `locateCells` on `floatRgbOf` of the image, so boxes are in the upload's pixels) → each cell cut
 * out on black (`cropCell`) and resized to the cell model's input (`toFloatRgb` with its card's
 * `preprocess`). Only the small resized crops and the boxes leave: this runs where decoding runs
 * (a decode worker on Deno, `../decode/job.ts`), so a hostile image's locating is bounded by the
 * request's budget like its decoding.
 *
 * @module
 */
import type { Box, FloatRgbImage, PreprocessSpec, RgbaImage } from "../../../model/core/mod.ts";
import { cropCell, floatRgbOf, locateCells, toFloatRgb } from "../../../model/core/mod.ts";

/** A cell's bounding box in the uploaded image's pixels. */
export type CellBox = Box;

/** What to locate and crop with. */
export interface CellsJob {
  /** Most cells kept (the largest); `capped` says when more were found. */
  maxCells: number;
}

/** The located cells of one image, each as the cell model's input-sized image. */
export interface FoundCells {
  /** How the locator read the image: a stained field, or a cell segmented onto black. */
  background: "field" | "black";
  /** Cells found before the cap. */
  found: number;
  /** More than `maxCells` were found (the largest were kept). */
  capped: boolean;
  /** The kept cells' boxes, top to bottom then left to right. */
  boxes: CellBox[];
  /** Each kept cell cut out on black and resized by the cell model's `preprocess` (same order as `boxes`). */
  crops: FloatRgbImage[];
  /** Milliseconds spent locating. */
  locateMs: number;
  /** Milliseconds spent cropping and resizing the cells. */
  cropMs: number;
}

/**
 * Locates the cells of `img` and resizes each one's crop for the cell model. `signal` is checked
 * between cells (where this runs on the request thread it cannot stop the locator itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, type PreprocessSpec } from "../../../model/core/mod.ts";
 * const preprocess: PreprocessSpec = { size: 16, crop: "none", resize: "area", channelOrder: "RGB",
 *   alphaBackground: 0, normalization: { mode: "per-image", minStd: 0.02 } };
 * // a C-NMC cell: one cell segmented onto black
 * const img = await decodeImage(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"));
 * const found = extractCells(img, preprocess, { maxCells: 32 });
 * assert.deepEqual([found.background, found.found, found.capped, found.boxes.length], ["black", 1, false, 1]);
 * assert.deepEqual([found.crops[0].width, found.crops[0].height], [16, 16]);
 * ```
 */
export function extractCells(
  img: RgbaImage,
  preprocess: PreprocessSpec,
  job: CellsJob,
  signal?: AbortSignal,
): FoundCells {
  const t0 = performance.now();
  const located = locateCells(floatRgbOf(img), { maxCells: job.maxCells });
  const t1 = performance.now();
  const crops: FloatRgbImage[] = [];
  for (let i = 0; i < located.cells.length; i++) {
    signal?.throwIfAborted();
    crops.push(toFloatRgb(cropCell(img, located, i), preprocess));
  }
  return {
    background: located.background,
    found: located.found,
    capped: located.capped,
    boxes: located.boxes.map(({ x, y, width, height }) => ({ x, y, width, height })),
    crops,
    locateMs: t1 - t0,
    cropMs: performance.now() - t1,
  };
}
