/**
 * One field → its cell crops, as the service cuts them: `floatRgbOf` → `locateCells` → `cropCell`
 * for every located cell (the core's functions, one copy for training and serving).
 *
 * @module
 */
import {
  cropCell,
  type CropOptions,
  floatRgbOf,
  locateCells,
  type LocateOptions,
  type LocateResult,
  type RgbaImage,
} from "../../../model/core/mod.ts";

/** A field's located cells and their crops (same order). */
export interface CroppedField {
  located: LocateResult;
  crops: RgbaImage[];
}

/**
 * Locates the cells of `img` and crops each one (square, centred, on black).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a 80×40 pale field with two purple discs (radius 10 at x = 20, radius 12 at x = 60)
 * const w = 80, h = 40, data = new Uint8Array(w * h * 4).fill(242);
 * const disc = (cx: number, r: number) => {
 *   for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
 *     if ((x - cx) ** 2 + (y - 20) ** 2 <= r * r) data.set([115, 77, 179], (y * w + x) * 4);
 *   }
 * };
 * disc(20, 10);
 * disc(60, 12);
 * const { located, crops } = fieldCrops({ width: w, height: h, data });
 * assert.equal(located.cells.length, 2);
 * // 1.4 × the box side; top to bottom first: the larger disc's box starts higher
assert.deepEqual(crops.map((c) => c.width), [32, 27]);
 * ```
 */
export function fieldCrops(
  img: RgbaImage,
  opts: { locate?: Partial<LocateOptions>; crop?: Partial<CropOptions> } = {},
): CroppedField {
  const located = locateCells(floatRgbOf(img), opts.locate);
  const crops = located.cells.map((_, i) => cropCell(img, located, i, opts.crop));
  return { located, crops };
}
