/**
 * Colour shifts in HSV (hexcone model, all components in [0, 1]) on float RGB images: the
 * brightness, saturation and hue changes that stain and camera differences between labs produce.
 *
 * Definitions, per pixel, with (H, S, V) = hsv(R, G, B):
 *
 * - brightness factor b: V' = min(1, b·V). Below saturation this is exactly R,G,B × b (hue and
 *   saturation kept); where b·V would exceed 1 the pixel is scaled so its largest channel is 1,
 *   which keeps its hue instead of clipping channels independently.
 * - saturation factor s: S' = min(1, s·S); s = 0 gives grey (R = G = B = V).
 * - hue shift h (fraction of the hue circle; 0.05 = 18°): H' = (H + h) mod 1; h = 1/3 turns pure
 *   red into pure green.
 *
 * The three are applied together in one HSV round trip (order does not matter: each touches one
 * component). Results stay in [0, 1].
 *
 * @module
 */
import type { FloatRgbImage } from "../../../model/core/mod.ts";
import { hsvToRgb, rgbToHsv } from "../../../model/core/mod.ts";

export { hsvToRgb, rgbToHsv };

/** A colour shift; omitted fields are the identity (factor 1, hue 0). */
export interface ColorShift {
  /** Multiplies V (value). 1 = unchanged. */
  brightness?: number;
  /** Multiplies S (saturation). 1 = unchanged. */
  saturation?: number;
  /** Added to H, as a fraction of the hue circle (±0.05 = ±18°). 0 = unchanged. */
  hue?: number;
}

/**
 * True when the shift changes nothing (every field absent or at its identity value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isIdentityShift({ brightness: 1, hue: 0 }), true);
 * assert.equal(isIdentityShift({ saturation: 0.7 }), false);
 * ```
 */
export function isIdentityShift(shift: ColorShift): boolean {
  return (shift.brightness ?? 1) === 1 && (shift.saturation ?? 1) === 1 && (shift.hue ?? 0) % 1 === 0;
}

/**
 * Applies a brightness/saturation/hue shift to a float RGB image and returns a new image
 * (the input is not changed). Factors must be finite and ≥ 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const red = { width: 1, height: 1, data: new Float32Array([1, 0, 0]) };
 * const round = (d: Float32Array) => [...d].map((v) => Math.round(v * 1000) / 1000);
 * assert.deepEqual(round(shiftColors(red, { hue: 1 / 3 }).data), [0, 1, 0]); // pure green
 * assert.deepEqual(round(shiftColors(red, { saturation: 0 }).data), [1, 1, 1]); // grey at V = 1
 * assert.deepEqual(red.data, new Float32Array([1, 0, 0])); // the input is unchanged
 * ```
 */
export function shiftColors(img: FloatRgbImage, shift: ColorShift): FloatRgbImage {
  const b = shift.brightness ?? 1;
  const s = shift.saturation ?? 1;
  const h = shift.hue ?? 0;
  for (const [name, v] of [["brightness", b], ["saturation", s]] as const) {
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`shiftColors: ${name} factor must be a finite number ≥ 0, got ${v}`);
    }
  }
  if (!Number.isFinite(h)) {
    throw new RangeError(`shiftColors: hue shift must be a finite fraction of the circle, got ${h}`);
  }
  const src = img.data;
  if (src.length !== img.width * img.height * 3) {
    throw new RangeError(
      `shiftColors: data has ${src.length} values, expected width*height*3 = ${img.width * img.height * 3}`,
    );
  }
  const out = new Float32Array(src.length);
  if (isIdentityShift(shift)) {
    out.set(src);
    return { width: img.width, height: img.height, data: out };
  }
  const hueShift = h - Math.floor(h);
  const hsv: [number, number, number] = [0, 0, 0];
  const rgb: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < src.length; i += 3) {
    rgbToHsv(src[i], src[i + 1], src[i + 2], hsv);
    let hh = hsv[0] + hueShift;
    if (hh >= 1) hh -= 1;
    hsvToRgb(hh, Math.min(1, hsv[1] * s), Math.min(1, hsv[2] * b), rgb);
    out[i] = rgb[0];
    out[i + 1] = rgb[1];
    out[i + 2] = rgb[2];
  }
  return { width: img.width, height: img.height, data: out };
}
