/**
 * RGB ↔ HSV (hexcone model, every component in [0, 1]), per pixel, allocation-free. Used by the
 * `relative-chroma` colour mode of the shared preprocessing and by the shift evaluation.
 *
 * @module
 */

/**
 * RGB in [0, 1] → HSV in [0, 1] (hexcone). Grey pixels get H = 0, S = 0. Writes into `out`.
 *
 * @example
 * ```ts
 * rgbToHsv(0, 1, 0, [0, 0, 0]); // [1/3, 1, 1]
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
 * hsvToRgb(2 / 3, 1, 1, [0, 0, 0]); // [0, 0, 1]
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
