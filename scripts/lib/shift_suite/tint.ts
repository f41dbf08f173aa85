/**
 * Background tint: a colour cast on the bright, empty glass of a smear (a lamp, filter or
 * white-balance difference that shows mostly where there is no stain), leaving the dark cells
 * nearly unchanged.
 *
 * Per pixel, with values in [0, 1], BT.601 luma Y and w = smoothstep(lo, hi, Y)
 * (0 below lo, 1 above hi, 3t² − 2t³ between):
 *   out_c = in_c · (1 + w · (tint_c − 1)),
 * so pure white becomes the tint colour, pixels darker than `lo` are untouched. Rounded and clamped.
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";
import { luma } from "../../../model/core/mod.ts";
import { assertRgba, copyImage, toByte } from "./image.ts";

/** A background tint. */
export interface BackgroundTint {
  /** What pure white becomes, R, G, B in [0, 1] (multipliers on the background). */
  tint: readonly [number, number, number];
  /** Luma where the tint starts (weight 0 at and below). Default 0.75. */
  lo?: number;
  /** Luma where the tint is full (weight 1 at and above). Default 0.95. */
  hi?: number;
}

/**
 * The tint colour of a warm (`"warm"`: less blue, a little less green) or cool (`"cool"`: less red,
 * a little less green) cast of strength k: warm (1, 1 − k/2, 1 − k), cool (1 − k, 1 − k/2, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(tintColour("warm", 0.1), [1, 0.95, 0.9]);
 * assert.deepEqual(tintColour("cool", 0.1), [0.9, 0.95, 1]);
 * ```
 */
export function tintColour(kind: "warm" | "cool", k: number): [number, number, number] {
  if (!Number.isFinite(k) || k < 0 || k > 1) throw new RangeError(`tintColour: k must be in [0, 1], got ${k}`);
  return kind === "warm" ? [1, 1 - k / 2, 1 - k] : [1 - k, 1 - k / 2, 1];
}

/**
 * smoothstep(lo, hi, x): 0 at and below lo, 1 at and above hi, 3t² − 2t³ with t = (x − lo)/(hi − lo) between.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([smoothstep(2, 4, 1), smoothstep(2, 4, 3), smoothstep(2, 4, 5)], [0, 0.5, 1]);
 * ```
 */
export function smoothstep(lo: number, hi: number, x: number): number {
  if (x <= lo) return 0;
  if (x >= hi) return 1;
  const t = (x - lo) / (hi - lo);
  return t * t * (3 - 2 * t);
}

/**
 * Applies a background tint (alpha kept); returns a new image. A tint of (1, 1, 1) returns an identical copy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // white background, a dark violet nucleus
 * const img = { width: 2, height: 1, data: new Uint8Array([255, 255, 255, 255, 90, 60, 140, 255]) };
 * const out = applyBackgroundTint(img, { tint: [1, 0.95, 0.9] });
 * assert.deepEqual([...out.data], [255, 242, 230, 255, 90, 60, 140, 255]);
 * ```
 */
export function applyBackgroundTint(img: RgbaImage, tint: BackgroundTint): RgbaImage {
  assertRgba(img, "applyBackgroundTint");
  const lo = tint.lo ?? 0.75, hi = tint.hi ?? 0.95;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw new RangeError(`applyBackgroundTint: need finite lo < hi, got lo ${lo}, hi ${hi}`);
  }
  const t = tint.tint;
  if (t.length !== 3 || !t.every((v) => Number.isFinite(v) && v >= 0)) {
    throw new RangeError(`applyBackgroundTint: tint must be three finite numbers ≥ 0, got [${t.join(", ")}]`);
  }
  if (t.every((v) => v === 1)) return copyImage(img);
  const src = img.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += 4) {
    const r = src[i] / 255, g = src[i + 1] / 255, b = src[i + 2] / 255;
    const w = smoothstep(lo, hi, luma(r, g, b));
    out[i] = toByte(r * (1 + w * (t[0] - 1)));
    out[i + 1] = toByte(g * (1 + w * (t[1] - 1)));
    out[i + 2] = toByte(b * (1 + w * (t[2] - 1)));
    out[i + 3] = src[i + 3];
  }
  return { width: img.width, height: img.height, data: out };
}
