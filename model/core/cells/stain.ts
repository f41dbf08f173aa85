/**
 * Per-pixel stain features of a blood-smear field: how much a pixel looks like a lymphoid cell
 * (purple nucleus and blue-grey cytoplasm) rather than a red cell (pink-grey) or the background
 * (white, or black for a pre-segmented cell). One pass, one output buffer.
 *
 * @module
 */
import type { FloatRgbImage } from "../preprocess/types.ts";

/** The stain features {@link stainMap} computes. */
export type StainFeature = "haematoxylin" | "blueMinusGreen" | "saturation";

/** The feature names, for command lines and validation. */
export const STAIN_FEATURES: readonly StainFeature[] = ["haematoxylin", "blueMinusGreen", "saturation"];

type Vec3 = readonly [number, number, number];
type Mat3 = readonly [Vec3, Vec3, Vec3];

function unit(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

function invert3(m: Mat3): Mat3 {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

/**
 * Ruifrok & Johnston (2001) optical-density vectors per R, G, B (as in scikit-image), unit
 * length, rows haematoxylin, eosin, DAB: OD = concentrations · RUIFROK_HED.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(RUIFROK_HED[0].map((v) => v.toFixed(3)), ["0.651", "0.701", "0.290"]);
 * ```
 */
export const RUIFROK_HED: Mat3 = [unit([0.65, 0.70, 0.29]), unit([0.07, 0.99, 0.11]), unit([0.27, 0.57, 0.78])];

/**
 * The inverse of {@link RUIFROK_HED}: concentrations = OD · HED_FROM_OD (OD a row vector over
 * R, G, B; column j of the result is stain j).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // pure haematoxylin optical density deconvolves to (1, 0, 0)
 * const c = [0, 1, 2].map((j) => RUIFROK_HED[0].reduce((s, od, k) => s + od * HED_FROM_OD[k][j], 0));
 * assert.deepEqual(c.map((v) => Math.abs(v).toFixed(6)), ["1.000000", "0.000000", "0.000000"]);
 * ```
 */
export const HED_FROM_OD: Mat3 = invert3(RUIFROK_HED);

/** The haematoxylin column of the inverse stain matrix: H = OD · H_FROM_OD. */
const H_FROM_OD = [HED_FROM_OD[0][0], HED_FROM_OD[1][0], HED_FROM_OD[2][0]] as const;

const OD_FLOOR = 1 / 255;

/**
 * The feature of one pixel (RGB in [0, 1]); larger = more like a stained lymphoid cell.
 * `haematoxylin` is the Ruifrok–Johnston haematoxylin optical density; `blueMinusGreen` is B − G;
 * `saturation` is HSV saturation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a purple nucleus against a near-white background
 * assert.ok(stainValue("blueMinusGreen", 0.45, 0.3, 0.7) > stainValue("blueMinusGreen", 0.9, 0.9, 0.95));
 * assert.ok(stainValue("haematoxylin", 0.45, 0.3, 0.7) > stainValue("haematoxylin", 0.9, 0.9, 0.95));
 * ```
 */
export function stainValue(feature: StainFeature, r: number, g: number, b: number): number {
  switch (feature) {
    case "blueMinusGreen":
      return b - g;
    case "saturation": {
      const max = Math.max(r, g, b);
      return max > 0 ? (max - Math.min(r, g, b)) / max : 0;
    }
    case "haematoxylin": {
      const odR = -Math.log10(Math.max(r, OD_FLOOR));
      const odG = -Math.log10(Math.max(g, OD_FLOOR));
      const odB = -Math.log10(Math.max(b, OD_FLOOR));
      return odR * H_FROM_OD[0] + odG * H_FROM_OD[1] + odB * H_FROM_OD[2];
    }
  }
}

/**
 * The feature of every pixel, row-major (`width * height` values).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([0.45, 0.3, 0.7, 1, 1, 1]) };
 * const map = stainMap(img, "blueMinusGreen");
 * assert.equal(map.length, 2);
 * assert.equal(map[0].toFixed(2), "0.40");
 * assert.equal(map[1], 0);
 * ```
 */
export function stainMap(img: FloatRgbImage, feature: StainFeature): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  for (let p = 0, q = 0; p < n; p++, q += 3) out[p] = stainValue(feature, d[q], d[q + 1], d[q + 2]);
  return out;
}

/**
 * The share of pixels darker than `level` in every channel (max channel < level): a pre-segmented
 * cell on black (C-NMC) has most of its image there, a stained smear field almost none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([0, 0.01, 0.02, 0.5, 0.3, 0.7]) };
 * assert.equal(darkFraction(img, 0.06), 0.5);
 * ```
 */
export function darkFraction(img: FloatRgbImage, level: number): number {
  const n = img.width * img.height;
  if (n === 0) return 0;
  const d = img.data;
  let dark = 0;
  for (let q = 0; q < d.length; q += 3) {
    if (d[q] < level && d[q + 1] < level && d[q + 2] < level) dark++;
  }
  return dark / n;
}
