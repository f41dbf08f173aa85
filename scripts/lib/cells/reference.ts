/**
 * The locator's reference cells: the connected components of a field's segmented twin (the
 * dataset authors' colour-threshold mask: cells kept in colour, everything else black) of at least
 * `minArea` pixels, as centroids.
 *
 * @module
 */
import { labelComponents, type RgbaImage } from "../../../model/core/mod.ts";

/** A reference cell: its centroid and area in the field's pixels. */
export interface ReferenceCell {
  x: number;
  y: number;
  area: number;
}

/** How the twin becomes reference cells. */
export interface ReferenceOptions {
  /** a twin pixel is a cell pixel when its brightest channel is at least this (0–255; JPEG noise on black stays below) */
  level: number;
  /** least area of a reference cell, in pixels (the issue: ~150) */
  minArea: number;
}

/** The defaults: level 40/255, 150 px. */
export const DEFAULT_REFERENCE: Readonly<ReferenceOptions> = Object.freeze({ level: 40, minArea: 150 });

/**
 * The reference cells of a segmented twin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a 20×20 twin with one 13×13 bright square (169 px) and one 3×3 speck
 * const w = 20, data = new Uint8Array(w * w * 4);
 * const lit = (x: number, y: number) => data.set([200, 90, 160, 255], (y * w + x) * 4);
 * for (let y = 2; y < 15; y++) for (let x = 4; x < 17; x++) lit(x, y);
 * for (let y = 17; y < 20; y++) for (let x = 0; x < 3; x++) lit(x, y);
 * assert.deepEqual(referenceCells({ width: w, height: w, data }), [{ x: 10, y: 8, area: 169 }]);
 * ```
 */
export function referenceCells(twin: RgbaImage, opts: Partial<ReferenceOptions> = {}): ReferenceCell[] {
  const o = { ...DEFAULT_REFERENCE, ...opts };
  const { width, height, data } = twin;
  const n = width * height;
  const mask = new Uint8Array(n);
  for (let p = 0, q = 0; p < n; p++, q += 4) {
    mask[p] = Math.max(data[q], data[q + 1], data[q + 2]) >= o.level ? 1 : 0;
  }
  const cc = labelComponents(mask, width, height);
  const sx = new Float64Array(cc.count + 1), sy = new Float64Array(cc.count + 1);
  for (let p = 0; p < n; p++) {
    const l = cc.labels[p];
    if (l) {
      sx[l] += p % width;
      sy[l] += Math.floor(p / width);
    }
  }
  const out: ReferenceCell[] = [];
  for (let l = 1; l <= cc.count; l++) {
    const area = cc.areas[l - 1];
    if (area >= o.minArea) out.push({ x: sx[l] / area, y: sy[l] / area, area });
  }
  return out;
}
