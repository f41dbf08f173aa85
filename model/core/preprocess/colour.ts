/**
 * Per-pixel colour-space arithmetic shared by preprocessing, the domain statistics, white balance,
 * training augmentation and the shift evaluation: BT.601 luma, HSV saturation, RGB ↔ HSV
 * (hexcone model, every component in [0, 1]). Allocation-free.
 *
 * @module
 */

/** BT.601 luma weights: what `colorMode: "grey"` keeps of each pixel. */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/**
 * BT.601 luma of one pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(luma(1, 1, 1).toFixed(6), "1.000000");
 * assert.equal(luma(1, 0, 0), 0.299);
 * ```
 */
export function luma(r: number, g: number, b: number): number {
  return LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b;
}

/**
 * HSV saturation of one pixel: (max − min) / max, 0 for black.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(saturation(1, 0.5, 0.5), 0.5);
 * ```
 */
export function saturation(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  return max > 0 ? (max - Math.min(r, g, b)) / max : 0;
}

/**
 * RGB in [0, 1] → HSV in [0, 1] (hexcone). Grey pixels get H = 0, S = 0. Writes into `out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(rgbToHsv(0, 1, 0, [0, 0, 0]), [1 / 3, 1, 1]); // green
 * ```
 */
export function rgbToHsv(r: number, g: number, b: number, out: [number, number, number]): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = (g - b) / d;
    else if (max === g) h = 2 + (b - r) / d;
    else h = 4 + (r - g) / d;
    h /= 6;
    if (h < 0) h += 1;
  }
  out[0] = h;
  out[1] = max > 0 ? d / max : 0;
  out[2] = max;
  return out;
}

/**
 * HSV in [0, 1] → RGB in [0, 1] (inverse of {@link rgbToHsv}). Writes into `out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(hsvToRgb(2 / 3, 1, 1, [0, 0, 0]), [0, 0, 1]); // blue
 * ```
 */
export function hsvToRgb(h: number, s: number, v: number, out: [number, number, number]): [number, number, number] {
  const h6 = (h - Math.floor(h)) * 6;
  const sector = Math.floor(h6) % 6;
  const f = h6 - Math.floor(h6);
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (sector) {
    case 0:
      out[0] = v;
      out[1] = t;
      out[2] = p;
      break;
    case 1:
      out[0] = q;
      out[1] = v;
      out[2] = p;
      break;
    case 2:
      out[0] = p;
      out[1] = v;
      out[2] = t;
      break;
    case 3:
      out[0] = p;
      out[1] = q;
      out[2] = v;
      break;
    case 4:
      out[0] = t;
      out[1] = p;
      out[2] = v;
      break;
    default:
      out[0] = v;
      out[1] = p;
      out[2] = q;
      break;
  }
  return out;
}
