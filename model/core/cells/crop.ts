/**
 * One located cell as its own image: a square crop centred on the cell's box, with every pixel
 * outside that cell's own region (the locator's `labels`) and outside the image set to black. A
 * cell of a stained field then looks like a C-NMC cell (one segmented cell on black), so the cell
 * classifier sees the same background rule for both; a cell already on black keeps its black.
 * The crop stays at source resolution: the cell model's card `preprocess` resizes it as for any
 * model. The training crops (`scripts/make_cell_crops.ts`) and the service (`/v1/cells`) both
 * call this one function.
 *
 * @module
 */
import type { RgbaImage } from "../preprocess/types.ts";
import type { LocateResult } from "./locate.ts";

/** How {@link cropCell} cuts a cell out. */
export interface CropOptions {
  /** share of the box's longer side added on each side (0.2: the side is 1.4 × the longer side) */
  margin: number;
}

/** The default crop: 20% margin on each side. */
export const DEFAULT_CROP_OPTIONS: Readonly<CropOptions> = Object.freeze({ margin: 0.2 });

/**
 * The square side of a crop for a box: round(max(width, height) × (1 + 2 × margin)), at least 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cropSide({ width: 20, height: 30 }, 0.2), 42);
 * ```
 */
export function cropSide(box: { width: number; height: number }, margin: number): number {
  return Math.max(1, Math.round(Math.max(box.width, box.height) * (1 + 2 * margin)));
}

/**
 * Cell `index` of `located` (found in `img`) as a square RGBA image on black.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { floatRgbOf } from "./rgb.ts";
 * import { locateCells } from "./locate.ts";
 * // a 60×40 pale field with one purple disc of radius 10 at (40, 20)
 * const w = 60, h = 40, data = new Uint8Array(w * h * 4).fill(242);
 * for (let y = 0; y < h; y++) {
 *   for (let x = 0; x < w; x++) {
 *     if ((x - 40) ** 2 + (y - 20) ** 2 <= 100) data.set([115, 77, 179], (y * w + x) * 4);
 *   }
 * }
 * const img = { width: w, height: h, data };
 * const located = locateCells(floatRgbOf(img));
 * const crop = cropCell(img, located, 0);
 * assert.equal(crop.width, 27); // box 19 × 19, margin 0.2 on each side
 * const centre = (13 * crop.width + 13) * 4, corner = 0;
 * assert.deepEqual([...crop.data.subarray(centre, centre + 4)], [115, 77, 179, 255]); // the cell
 * assert.deepEqual([...crop.data.subarray(corner, corner + 4)], [0, 0, 0, 255]); // the field, blacked out
 * ```
 */
export function cropCell(
  img: RgbaImage,
  located: LocateResult,
  index: number,
  options: Partial<CropOptions> = {},
): RgbaImage {
  const { margin } = { ...DEFAULT_CROP_OPTIONS, ...options };
  if (!(margin >= 0 && margin <= 2)) throw new RangeError(`cropCell: margin must be in [0, 2], got ${margin}`);
  const cell = located.cells[index];
  if (!Number.isInteger(index) || !cell) {
    throw new RangeError(`cropCell: no cell ${index} (the locator found ${located.cells.length})`);
  }
  const { width, height } = img;
  if (located.labels.length !== width * height) {
    throw new RangeError(
      `cropCell: the locator's labels hold ${located.labels.length} pixels, the image ${width}×${height}; ` +
        "pass the image the cells were located in",
    );
  }
  const { box } = cell;
  const side = cropSide(box, margin);
  // the crop's top-left corner, so that the box's centre is the crop's centre
  const x0 = Math.round(box.x + box.width / 2 - side / 2), y0 = Math.round(box.y + box.height / 2 - side / 2);
  const out = new Uint8Array(side * side * 4);
  const own = index + 1, labels = located.labels, src = img.data;
  for (let y = 0, q = 0; y < side; y++) {
    const sy = y0 + y;
    for (let x = 0; x < side; x++, q += 4) {
      out[q + 3] = 255;
      const sx = x0 + x;
      if (sy < 0 || sy >= height || sx < 0 || sx >= width) continue;
      const p = sy * width + sx;
      if (labels[p] !== own) continue;
      out[q] = src[p * 4];
      out[q + 1] = src[p * 4 + 1];
      out[q + 2] = src[p * 4 + 2];
    }
  }
  return { width: side, height: side, data: out };
}
