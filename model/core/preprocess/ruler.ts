/**
 * A red-cell ruler: how large the red cells of a blood-smear field are, in pixels of the image
 * given, so that preprocessing can bring every field to one magnification
 * ({@link ./scale.ts}). Red cells are the one object of known size in every field (about 7–8 µm
 * across), whatever the patient's diagnosis.
 *
 * How: luma; a threshold halfway between the background (98th percentile) and the 30th percentile
 * (red-cell bodies), so any affine change of brightness and contrast gives the same mask; a
 * closing of radius 1 and hole filling (pale red-cell centres); an opening of radius 1 (specks); the
 * exact Euclidean distance to the background; its local maxima are the inscribed radii of the
 * cells, and the ruler is the mean of the middle half of those in [2, 15] px (white cells, larger,
 * fall outside or in the upper quarter). Linear in pixels, fixed memory.
 *
 * Measured on the Taleqani set (224 px; docs/ROBUSTNESS.md): per-subtype medians 6.5–8.2 px on
 * the training fields; on the 420 validation fields the reading follows a magnification × 0.75 by
 * a median factor of 0.78 (p10–p90 0.70–0.88) and × 1.25 by 1.19 (1.04–1.27), moves by at most 3%
 * (median) under HSL lightness, colour temperature, gamma, stain and JPEG shifts, and by 10% under
 * defocus σ 2 (blur merges touching cells).
 *
 * @module
 */
import type { FloatRgbImage } from "./types.ts";
import { close, fillHoles, open } from "../cells/morphology.ts";
import { squaredDistance } from "../cells/distance.ts";

/** What the ruler read: the red-cell radius in pixels, or `undefined` when a field has too few cells. */
export interface RulerReading {
  /** the inscribed red-cell radius, pixels of the image measured; undefined when unreadable */
  radius: number | undefined;
  /** how many distance peaks (cells or parts of cell clumps) the reading rests on */
  peaks: number;
}

/** Radii (pixels) a red-cell peak may have; smaller are specks, larger are white cells or clumps. */
export const RULER_RADIUS_RANGE: readonly [number, number] = [2, 15];
/** Fewer peaks than this and the field is not read (a blank image, a single cell on black). */
export const RULER_MIN_PEAKS = 8;
/** The least background-to-body luma difference that still shows cells (a flat image shows none). */
const MIN_CONTRAST = 0.02;

/** The `q`-quantile of values in [0, 1] from a 1024-bin histogram (bin centres). */
function quantile(hist: Uint32Array, total: number, q: number): number {
  const want = q * (total - 1);
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b];
    if (seen > want) return (b + 0.5) / hist.length;
  }
  return 1;
}

/**
 * Reads the red-cell radius of a blood-smear field, in pixels of `img`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 12 × 12 grey discs of radius 6 on white, 16 px apart (cells cover 44% of the field)
 * const w = 192, data = new Float32Array(w * w * 3).fill(0.95);
 * for (let cy = 8; cy < w; cy += 16) for (let cx = 8; cx < w; cx += 16) {
 *   for (let y = cy - 6; y <= cy + 6; y++) for (let x = cx - 6; x <= cx + 6; x++) {
 *     if ((x - cx) ** 2 + (y - cy) ** 2 <= 36) data.fill(0.6, (y * w + x) * 3, (y * w + x) * 3 + 3);
 *   }
 * }
 * const { radius, peaks } = redCellRadius({ width: w, height: w, data });
 * assert.equal(peaks, 144);
 * assert.ok(Math.abs(radius! - 6) < 0.5, `radius ${radius}`);
 * assert.equal(redCellRadius({ width: w, height: w, data: new Float32Array(w * w * 3).fill(0.5) }).radius, undefined);
 * ```
 */
export function redCellRadius(img: FloatRgbImage): RulerReading {
  const { width, height, data } = img;
  const n = width * height;
  if (data.length !== n * 3) {
    throw new RangeError(`redCellRadius: data holds ${data.length} values, expected ${n * 3} (width*height*3)`);
  }
  const lum = new Float32Array(n);
  const hist = new Uint32Array(1024);
  for (let p = 0, q = 0; p < n; p++, q += 3) {
    const v = 0.299 * data[q] + 0.587 * data[q + 1] + 0.114 * data[q + 2];
    lum[p] = v;
    hist[Math.min(1023, Math.max(0, Math.floor(v * 1024)))]++;
  }
  const background = quantile(hist, n, 0.98);
  const body = quantile(hist, n, 0.3);
  if (background - body < MIN_CONTRAST) return { radius: undefined, peaks: 0 };
  const threshold = background - 0.5 * (background - body);
  let mask: Uint8Array = new Uint8Array(n);
  for (let p = 0; p < n; p++) mask[p] = lum[p] < threshold ? 1 : 0;
  mask = close(mask, width, height, 1);
  fillHoles(mask, width, height);
  mask = open(mask, width, height, 1);
  const d = squaredDistance(mask, width, height);
  const [lo, hi] = RULER_RADIUS_RANGE;
  const radii: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const p = y * width + x, v = d[p];
      if (v < lo * lo || v > hi * hi) continue;
      if (
        d[p - 1] > v || d[p + 1] > v || d[p - width] > v || d[p + width] > v ||
        d[p - width - 1] > v || d[p - width + 1] > v || d[p + width - 1] > v || d[p + width + 1] > v
      ) continue;
      radii.push(Math.sqrt(v));
    }
  }
  if (radii.length < RULER_MIN_PEAKS) return { radius: undefined, peaks: radii.length };
  radii.sort((a, b) => a - b);
  const from = Math.floor(radii.length * 0.25), to = Math.max(from + 1, Math.ceil(radii.length * 0.75));
  let sum = 0;
  for (let i = from; i < to; i++) sum += radii[i];
  return { radius: sum / (to - from), peaks: radii.length };
}
