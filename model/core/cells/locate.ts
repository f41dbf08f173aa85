/**
 * Locating the lymphoid cells of a blood-smear field: a stain feature, a threshold, opening and
 * closing, hole filling, connected components, touching cells split by an h-maxima-marked
 * watershed on the distance map, a minimum area and a cap on the count. An image that is mostly
 * black (a cell segmented onto black, as in C-NMC) is read as one pre-segmented cell image: the
 * foreground is whatever is not black, and no splitting is done. Every step is linear in pixels
 * with fixed memory and explicit queues, so hostile images (noise, thousands of specks, one
 * image-wide blob, blank) finish in bounded time. Parameters: docs/CELLS.md (fitted on the
 * training block of the new-patient split, `deno task locator --fit`).
 *
 * @module
 */
import type { FloatRgbImage } from "../preprocess/types.ts";
import { type Box, labelComponents } from "./components.ts";
import { close, fillHoles, open } from "./morphology.ts";
import { darkFraction, type StainFeature, stainMap } from "./stain.ts";
import { CHAMFER_UNIT, chamferDistance, hMaxima, watershed } from "./watershed.ts";

/** How {@link locateCells} works; every field has a default ({@link DEFAULT_LOCATE_OPTIONS}). */
export interface LocateOptions {
  /** the per-pixel stain feature (`haematoxylin`: Ruifrok–Johnston optical density) */
  feature: StainFeature;
  /** foreground = feature ≥ threshold */
  threshold: number;
  /** radius of the opening (removes specks) */
  openRadius: number;
  /** radius of the closing (bridges nucleus and cytoplasm) */
  closeRadius: number;
  /** least area of a cell, in pixels (after splitting) */
  minArea: number;
  /** h of the h-maxima markers, in pixels of distance: a lower h splits more */
  splitDepth: number;
  /** most cells returned; the largest are kept and `capped` is set when more were found */
  maxCells: number;
  /** `auto`: a mostly black image is a pre-segmented cell; `field`/`black` force one reading */
  background: "auto" | "field" | "black";
  /** share of near-black pixels from which `auto` reads an image as a cell on black */
  blackFraction: number;
}

/**
 * The defaults, fitted on the training block of the new-patient split (`deno task locator --fit`:
 * the highest precision with recall ≥ 93% against the segmented twins; docs/CELLS.md).
 */
export const DEFAULT_LOCATE_OPTIONS: Readonly<LocateOptions> = Object.freeze({
  feature: "blueMinusGreen",
  threshold: 0.26,
  openRadius: 1,
  closeRadius: 2,
  minArea: 200,
  splitDepth: 5,
  maxCells: 64,
  background: "auto",
  blackFraction: 0.3,
});

/** A pixel counts as black when every channel is below this (C-NMC background is 0–3/255). */
const BLACK_LEVEL = 0.06;
/** On black, a piece smaller than this share of the largest is debris, not another cell. */
const BLACK_MIN_SHARE = 0.1;

/** One located cell. */
export interface LocatedCell {
  /** bounding box in the image's pixels */
  box: Box;
  /** pixels of the cell's region */
  area: number;
}

/** What {@link locateCells} found. */
export interface LocateResult {
  /** the cells' bounding boxes, top to bottom then left to right (`cells[i].box`) */
  boxes: Box[];
  /** the cells, in the order of `boxes` */
  cells: LocatedCell[];
  /** true when more than `maxCells` cells were found (the largest were kept) */
  capped: boolean;
  /** how many cells were found before the cap */
  found: number;
  /**
   * The returned cells' own pixels, row-major (`width × height`): cell `i`'s pixels hold `i + 1`,
   * every other pixel 0 (background, and regions dropped by the least area or the cap).
   */
  labels: Uint16Array;
  /** how the image was read: a stained field, or a cell segmented onto black */
  background: "field" | "black";
}

function checkOptions(o: LocateOptions): void {
  const whole = (k: keyof LocateOptions, min: number) => {
    const v = o[k] as number;
    if (!Number.isInteger(v) || v < min) {
      throw new RangeError(`locateCells: ${k} must be a whole number ≥ ${min}, got ${v}`);
    }
  };
  whole("openRadius", 0);
  whole("closeRadius", 0);
  whole("minArea", 1);
  whole("maxCells", 1);
  if (o.maxCells > 65535) throw new RangeError(`locateCells: maxCells must be ≤ 65535, got ${o.maxCells}`);
  if (!Number.isFinite(o.threshold)) {
    throw new RangeError(`locateCells: threshold must be a number, got ${o.threshold}`);
  }
  if (!(o.splitDepth >= 0)) throw new RangeError(`locateCells: splitDepth must be ≥ 0, got ${o.splitDepth}`);
  if (!(o.blackFraction > 0 && o.blackFraction <= 1)) {
    throw new RangeError(`locateCells: blackFraction must be in (0, 1], got ${o.blackFraction}`);
  }
}

/**
 * The regions of a foreground mask, touching ones split by the watershed; each region's area and
 * box. `split: false` keeps each connected component whole.
 */
/** A located region before filtering: its cell, and its label in the region map. */
interface Region extends LocatedCell {
  label: number;
}

function regions(
  mask: Uint8Array,
  width: number,
  height: number,
  splitDepth: number,
  split: boolean,
): { regions: Region[]; map: Int32Array } {
  const cc = labelComponents(mask, width, height);
  if (!split || cc.count === 0) {
    return { regions: cc.boxes.map((box, i) => ({ box, area: cc.areas[i], label: i + 1 })), map: cc.labels };
  }
  const dist = chamferDistance(mask, width, height);
  const peaks = hMaxima(dist, width, height, Math.round(splitDepth * CHAMFER_UNIT));
  const markers = labelComponents(peaks, width, height);
  const basins = watershed(dist, markers.labels, width, height);
  // each marker's region: area and box
  const k = markers.count;
  const area = new Int32Array(k + 1);
  const x0 = new Int32Array(k + 1).fill(width), y0 = new Int32Array(k + 1).fill(height);
  const x1 = new Int32Array(k + 1).fill(-1), y1 = new Int32Array(k + 1).fill(-1);
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      const l = basins[p];
      if (!l) continue;
      area[l]++;
      if (x < x0[l]) x0[l] = x;
      if (x > x1[l]) x1[l] = x;
      if (y < y0[l]) y0[l] = y;
      if (y > y1[l]) y1[l] = y;
    }
  }
  const out: Region[] = [];
  for (let l = 1; l <= k; l++) {
    if (area[l] > 0) {
      out.push({
        box: { x: x0[l], y: y0[l], width: x1[l] - x0[l] + 1, height: y1[l] - y0[l] + 1 },
        area: area[l],
        label: l,
      });
    }
  }
  return { regions: out, map: basins };
}

/**
 * Locates the cells of an RGB image in [0, 1] (the core's `FloatRgbImage`, at the uploaded size):
 * their bounding boxes in the image's pixels.
 *
 * @example A blank field has no cell; a purple disc on white is one cell, boxed where it is
 * ```ts
 * import assert from "node:assert/strict";
 * const w = 64, h = 48;
 * const data = new Float32Array(w * h * 3).fill(0.95);
 * assert.deepEqual(locateCells({ width: w, height: h, data }).boxes, []);
 * for (let y = 0; y < h; y++) {
 *   for (let x = 0; x < w; x++) {
 *     if ((x - 40) ** 2 + (y - 20) ** 2 <= 100) data.set([0.45, 0.3, 0.7], (y * w + x) * 3);
 *   }
 * }
 * const result = locateCells({ width: w, height: h, data });
 * // the disc spans x 30..50, y 10..30; the opening trims its four one-pixel tips
 * assert.deepEqual(result.boxes, [{ x: 31, y: 11, width: 19, height: 19 }]);
 * assert.equal(result.capped, false);
 * ```
 */
export function locateCells(img: FloatRgbImage, options: Partial<LocateOptions> = {}): LocateResult {
  const o: LocateOptions = { ...DEFAULT_LOCATE_OPTIONS, ...options };
  checkOptions(o);
  const { width, height } = img;
  const n = width * height;
  if (img.data.length !== n * 3) {
    throw new RangeError(`locateCells: data holds ${img.data.length} values, expected ${n * 3} (width*height*3)`);
  }
  const black = o.background === "black" ||
    (o.background === "auto" && darkFraction(img, BLACK_LEVEL) >= o.blackFraction);
  let mask: Uint8Array = new Uint8Array(n);
  if (black) {
    const d = img.data;
    for (let p = 0, q = 0; p < n; p++, q += 3) {
      mask[p] = d[q] >= BLACK_LEVEL || d[q + 1] >= BLACK_LEVEL || d[q + 2] >= BLACK_LEVEL ? 1 : 0;
    }
  } else {
    const f = stainMap(img, o.feature);
    for (let p = 0; p < n; p++) mask[p] = f[p] >= o.threshold ? 1 : 0;
  }
  mask = open(mask, width, height, o.openRadius);
  mask = close(mask, width, height, o.closeRadius);
  fillHoles(mask, width, height);
  const found0 = regions(mask, width, height, o.splitDepth, !black);
  let cells = found0.regions.filter((c) => c.area >= o.minArea);
  if (black && cells.length > 0) {
    const largest = Math.max(...cells.map((c) => c.area));
    cells = cells.filter((c) => c.area >= BLACK_MIN_SHARE * largest);
  }
  const found = cells.length;
  const capped = found > o.maxCells;
  if (capped) cells = cells.sort((a, b) => b.area - a.area).slice(0, o.maxCells);
  cells.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
  // the region map renumbered to the returned order: cell i's pixels hold i + 1, the rest 0
  const renumber = new Uint16Array(found0.regions.reduce((m, r) => Math.max(m, r.label), 0) + 1);
  cells.forEach((c, i) => (renumber[c.label] = i + 1));
  const labels = new Uint16Array(n);
  const map = found0.map;
  for (let p = 0; p < n; p++) if (map[p] > 0) labels[p] = renumber[map[p]];
  return {
    boxes: cells.map((c) => c.box),
    cells: cells.map(({ box, area }) => ({ box, area })),
    labels,
    capped,
    found,
    background: black ? "black" : "field",
  };
}
