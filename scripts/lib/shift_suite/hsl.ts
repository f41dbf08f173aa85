/**
 * HSL modulation as image editors apply it (ImageMagick `-modulate L,S,H`, whose default colour
 * space is HSL; GIMP's and Photoshop's hue/saturation/lightness sliders are the same model), on
 * the gamma-encoded 8-bit values, with every component in [0, 1]:
 *
 * - L = (max + min) / 2, chroma C = max − min, S = C / (1 − |2L − 1|) (0 for grey),
 *   H the hexcone hue (the same H as HSV's).
 * - lightness factor f: L' = min(1, f·L). S is kept, so C' = S·(1 − |2L' − 1|): darkening a
 *   near-white pixel *raises* its chroma (L 0.94 → 0.85 multiplies C by about 2.5), which a plain
 *   RGB scale (HSV value) does not do.
 * - saturation factor f: S' = min(1, f·S).
 * - hue rotation δ degrees: H' = H + δ/360 (mod 1). ImageMagick's hue argument is 100 + δ/1.8.
 *
 * The result is rounded to the nearest level and clamped, as an editor saves an 8-bit image.
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";
import { assertRgba, copyImage, toByte } from "./image.ts";

/** An HSL modulation; omitted fields are the identity. */
export interface HslModulation {
  /** Multiplies HSL lightness (0.9 = "lightness −10%"). 1 = unchanged. */
  lightness?: number;
  /** Multiplies HSL saturation, result clamped to 1. 1 = unchanged. */
  saturation?: number;
  /** Hue rotation in degrees (+ turns red toward yellow). 0 = unchanged. */
  hueDegrees?: number;
}

/**
 * RGB in [0, 1] → HSL in [0, 1] (H as a fraction of the circle). Grey gives H = S = 0. Writes into `out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(rgbToHsl(1, 0, 0, [0, 0, 0]), [0, 1, 0.5]); // pure red
 * assert.deepEqual(rgbToHsl(0.75, 0.25, 0.25, [0, 0, 0]), [0, 0.5, 0.5]);
 * ```
 */
export function rgbToHsl(r: number, g: number, b: number, out: [number, number, number]): [number, number, number] {
  const max = r > g ? (r > b ? r : b) : (g > b ? g : b);
  const min = r < g ? (r < b ? r : b) : (g < b ? g : b);
  const c = max - min;
  const l = (max + min) / 2;
  if (c <= 0) {
    out[0] = 0, out[1] = 0, out[2] = l;
    return out;
  }
  let h: number;
  if (max === r) h = (g - b) / c + (g < b ? 6 : 0);
  else if (max === g) h = 2 + (b - r) / c;
  else h = 4 + (r - g) / c;
  out[0] = h / 6;
  out[1] = c / (l <= 0.5 ? 2 * l : 2 - 2 * l);
  out[2] = l;
  return out;
}

/**
 * HSL in [0, 1] → RGB in [0, 1]. H wraps (any real number is taken mod 1). Writes into `out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(hslToRgb(1 / 3, 1, 0.5, [0, 0, 0]), [0, 1, 0]); // pure green
 * assert.deepEqual(hslToRgb(0, 0.5, 0.5, [0, 0, 0]), [0.75, 0.25, 0.25]);
 * ```
 */
export function hslToRgb(h: number, s: number, l: number, out: [number, number, number]): [number, number, number] {
  const c = (l <= 0.5 ? 2 * l : 2 - 2 * l) * s;
  const min = l - c / 2;
  let hh = (h - Math.floor(h)) * 6;
  if (hh >= 6) hh = 0;
  const sector = hh | 0;
  const x = c * (1 - Math.abs((hh % 2) - 1));
  let r = 0, g = 0, b = 0;
  switch (sector) {
    case 0:
      r = c, g = x;
      break;
    case 1:
      r = x, g = c;
      break;
    case 2:
      g = c, b = x;
      break;
    case 3:
      g = x, b = c;
      break;
    case 4:
      r = x, b = c;
      break;
    default:
      r = c, b = x;
  }
  out[0] = min + r, out[1] = min + g, out[2] = min + b;
  return out;
}

/**
 * Applies an HSL modulation to an 8-bit RGBA image (alpha kept) and returns a new image; the
 * identity returns an identical copy. Factors must be finite and ≥ 0, the hue finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const nearWhite = { width: 1, height: 1, data: new Uint8Array([240, 235, 245, 255]) };
 * // lightness −10%: darker, and the chroma (max − min) grows from 10 to 26 levels
 * assert.deepEqual([...modulateHsl(nearWhite, { lightness: 0.9 }).data], [216, 203, 229, 255]);
 * const red = { width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) };
 * assert.deepEqual([...modulateHsl(red, { hueDegrees: 120 }).data], [0, 255, 0, 255]);
 * ```
 */
export function modulateHsl(img: RgbaImage, mod: HslModulation): RgbaImage {
  assertRgba(img, "modulateHsl");
  const fl = mod.lightness ?? 1, fs = mod.saturation ?? 1, deg = mod.hueDegrees ?? 0;
  for (const [name, v] of [["lightness", fl], ["saturation", fs]] as const) {
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`modulateHsl: ${name} factor must be a finite number ≥ 0, got ${v}`);
    }
  }
  if (!Number.isFinite(deg)) throw new RangeError(`modulateHsl: hueDegrees must be finite, got ${deg}`);
  if (fl === 1 && fs === 1 && deg % 360 === 0) return copyImage(img);
  const dh = deg / 360;
  const src = img.data;
  const out = new Uint8Array(src.length);
  const hsl: [number, number, number] = [0, 0, 0];
  const rgb: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < src.length; i += 4) {
    rgbToHsl(src[i] / 255, src[i + 1] / 255, src[i + 2] / 255, hsl);
    const s = hsl[1] * fs, l = hsl[2] * fl;
    hslToRgb(hsl[0] + dh, s > 1 ? 1 : s, l > 1 ? 1 : l, rgb);
    out[i] = toByte(rgb[0]);
    out[i + 1] = toByte(rgb[1]);
    out[i + 2] = toByte(rgb[2]);
    out[i + 3] = src[i + 3];
  }
  return { width: img.width, height: img.height, data: out };
}
