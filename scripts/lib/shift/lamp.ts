/**
 * Acquisition shifts outside the HSV grid, used as a check "beyond the grid" (a model built to be
 * invariant to global HSV shifts must also be tested on shifts it was not built for):
 *
 * - lamp colour (white balance): each channel × a gain, v' = min(1, gain_c · v);
 * - stain strength: Beer–Lambert optical density scales with the dye amount, OD' = k·OD, i.e.
 *   v' = v^k on transmitted intensity (k > 1 = heavier staining, k < 1 = paler);
 * - defocus: a 3×3 binomial blur (edges replicated), applied `blur` times.
 *
 * @module
 */
import type { FloatRgbImage } from "../../../model/core/mod.ts";

/** One acquisition shift; omitted fields are the identity. */
export interface LampShift {
  /** Per-channel gain [R, G, B] (lamp colour temperature / white balance). */
  gain?: [number, number, number];
  /** Stain amount factor k on optical density: v' = v^k. */
  stain?: number;
  /** Number of 3×3 binomial blur passes (defocus). */
  blur?: number;
}

/**
 * Applies `shift` to a [0, 1] image; returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 1, height: 1, data: new Float32Array([0.5, 0.5, 0.5]) };
 * const round = (d: Float32Array) => [...d].map((v) => v.toFixed(3));
 * assert.deepEqual(round(lampShift(img, { gain: [1.1, 1, 0.9] }).data), ["0.550", "0.500", "0.450"]); // warm lamp
 * assert.deepEqual(round(lampShift(img, { stain: 2 }).data), ["0.250", "0.250", "0.250"]); // twice the stain
 * ```
 */
export function lampShift(img: FloatRgbImage, shift: LampShift): FloatRgbImage {
  const gain = shift.gain ?? [1, 1, 1];
  const k = shift.stain ?? 1;
  if (!gain.every((g) => Number.isFinite(g) && g >= 0)) {
    throw new RangeError(`lampShift: gains must be finite and ≥ 0, got ${gain}`);
  }
  if (!(Number.isFinite(k) && k > 0)) throw new RangeError(`lampShift: stain factor must be > 0, got ${k}`);
  const blur = shift.blur ?? 0;
  if (!(Number.isInteger(blur) && blur >= 0)) {
    throw new RangeError(`lampShift: blur must be a whole number of passes, got ${blur}`);
  }
  let data: Float32Array = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = gain[i % 3] * (k === 1 ? img.data[i] : Math.pow(img.data[i], k));
    data[i] = v > 1 ? 1 : v;
  }
  for (let p = 0; p < blur; p++) data = binomialBlur(data, img.width, img.height);
  return { width: img.width, height: img.height, data };
}

function binomialBlur(src: Float32Array, w: number, h: number): Float32Array {
  const tmp = new Float32Array(src.length), out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = Math.max(0, x - 1), r = Math.min(w - 1, x + 1);
      for (let c = 0; c < 3; c++) {
        tmp[(y * w + x) * 3 + c] = 0.25 * src[(y * w + l) * 3 + c] + 0.5 * src[(y * w + x) * 3 + c] +
          0.25 * src[(y * w + r) * 3 + c];
      }
    }
  }
  for (let y = 0; y < h; y++) {
    const u = Math.max(0, y - 1), d = Math.min(h - 1, y + 1);
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        out[(y * w + x) * 3 + c] = 0.25 * tmp[(u * w + x) * 3 + c] + 0.5 * tmp[(y * w + x) * 3 + c] +
          0.25 * tmp[(d * w + x) * 3 + c];
      }
    }
  }
  return out;
}
