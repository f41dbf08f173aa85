/**
 * Stain-space changes by Ruifrok–Johnston colour deconvolution (Ruifrok & Johnston, "Quantification
 * of histochemical staining by color deconvolution", Anal. Quant. Cytol. Histol. 23:291–299, 2001),
 * with their standard haematoxylin / eosin / DAB optical-density vectors (the `rgb_from_hed`
 * matrix of scikit-image), each normalised to unit length. The third (DAB) vector completes the
 * basis: it takes whatever H and E do not explain and is left unchanged.
 *
 * Per pixel, with I in 0–255 and I₀ = 256 so that white (255) has zero density:
 *   OD_c = −log10((I_c + 1) / 256);  concentrations C = OD · S⁻¹ (S: the stain vectors as rows);
 *   C' = (a·C_H, b·C_E, C_DAB);  OD' = C' · S;  I'_c = 256 · 10^(−OD'_c) − 1, rounded and clamped.
 *
 * Scaling haematoxylin by a (and eosin by b) is the change from a stronger or weaker staining
 * bath; it is linear in OD, so it is precomputed as one 3×3 matrix.
 *
 * @module
 */
import { HED_FROM_OD, type RgbaImage, RUIFROK_HED } from "../../../model/core/mod.ts";
import { assertRgba, copyImage } from "./image.ts";

/** Ruifrok–Johnston optical-density vectors (R, G, B), unit length, rows H, E, DAB (the core's, shared with the cell locator). */
export { RUIFROK_HED };

const HED_INV = HED_FROM_OD;
const LN10 = Math.LN10;
/** OD of each 8-bit level. */
const OD = Float64Array.from({ length: 256 }, (_, v) => opticalDensity(v));

/**
 * Optical density of an 8-bit level: −log10((v + 1) / 256); 0 for 255.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(opticalDensity(255), 0);
 * assert.equal(opticalDensity(25.6 - 1).toFixed(6), "1.000000");
 * ```
 */
export function opticalDensity(v: number): number {
  return 0 - Math.log10((v + 1) / 256);
}

/**
 * Haematoxylin, eosin and DAB concentrations (in OD units) of one 8-bit RGB pixel: OD · S⁻¹.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(stainConcentrations(255, 255, 255), [0, 0, 0]); // white has no stain
 * ```
 */
export function stainConcentrations(r: number, g: number, b: number): [number, number, number] {
  const o = [opticalDensity(r), opticalDensity(g), opticalDensity(b)];
  const m = HED_INV;
  const z = (j: number) => o[0] * m[0][j] + o[1] * m[1][j] + o[2] * m[2][j] + 0; // + 0 turns −0 into 0
  return [z(0), z(1), z(2)];
}

/**
 * The 8-bit RGB pixel whose stain concentrations are `c` (H, E, DAB): OD = c · S, I = 256·10^(−OD) − 1,
 * rounded and clamped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(stainsToRgb([0, 0, 0]), [255, 255, 255]);
 * const c = stainConcentrations(180, 90, 200);
 * assert.deepEqual(stainsToRgb(c), [180, 90, 200]); // deconvolution round trip
 * ```
 */
export function stainsToRgb(c: readonly [number, number, number]): [number, number, number] {
  const s = RUIFROK_HED;
  const level = (k: number) => {
    const od = c[0] * s[0][k] + c[1] * s[1][k] + c[2] * s[2][k];
    const x = Math.round(256 * Math.exp(-od * LN10) - 1);
    return x > 255 ? 255 : x > 0 ? x : 0;
  };
  return [level(0), level(1), level(2)];
}

/** A stain-strength change; omitted fields are the identity. */
export interface StainScale {
  /** Multiplies the haematoxylin concentration (OD). 1 = unchanged. */
  haematoxylin?: number;
  /** Multiplies the eosin concentration (OD). 1 = unchanged. */
  eosin?: number;
}

/**
 * Scales the haematoxylin and eosin optical densities of every pixel (alpha kept); returns a new
 * image. The identity returns an identical copy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Uint8Array([255, 255, 255, 255, 120, 60, 160, 255]) };
 * const out = scaleStains(img, { haematoxylin: 1.25 });
 * assert.deepEqual([...out.data.slice(0, 4)], [255, 255, 255, 255]); // white background stays white
 * assert.ok(out.data[4] < 120 && out.data[5] < 60); // more haematoxylin: darker red and green
 * ```
 */
export function scaleStains(img: RgbaImage, scale: StainScale): RgbaImage {
  assertRgba(img, "scaleStains");
  const a = scale.haematoxylin ?? 1, b = scale.eosin ?? 1;
  for (const [name, v] of [["haematoxylin", a], ["eosin", b]] as const) {
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`scaleStains: ${name} must be a finite number ≥ 0, got ${v}`);
    }
  }
  if (a === 1 && b === 1) return copyImage(img);
  // OD' = OD · S⁻¹ · diag(a, b, 1) · S, as one matrix T[k][j] (input channel k, output channel j).
  const d = [a, b, 1];
  const t = new Float64Array(9);
  for (let k = 0; k < 3; k++) {
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let s = 0; s < 3; s++) sum += HED_INV[k][s] * d[s] * RUIFROK_HED[s][j];
      t[k * 3 + j] = sum;
    }
  }
  const src = img.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += 4) {
    const r = OD[src[i]], g = OD[src[i + 1]], bl = OD[src[i + 2]];
    for (let j = 0; j < 3; j++) {
      const od = r * t[j] + g * t[3 + j] + bl * t[6 + j];
      const x = Math.round(256 * Math.exp(-od * LN10) - 1);
      out[i + j] = x > 255 ? 255 : x > 0 ? x : 0;
    }
    out[i + 3] = src[i + 3];
  }
  return { width: img.width, height: img.height, data: out };
}
