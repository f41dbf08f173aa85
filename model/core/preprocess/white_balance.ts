/**
 * White balance from the slide's background: in a bright-field smear the brightest pixels are
 * empty glass, i.e. the lamp's own colour. Dividing each channel by that white point (von Kries
 * adaptation) removes a lamp's or camera's colour cast before the model sees the cells.
 *
 * @module
 */
import type { FloatRgbImage } from "./types.ts";
import { luma } from "./colour.ts";

/** How the white point is found: the mean colour of the `brightFraction` brightest pixels (by luma). */
export interface WhiteBalanceSpec {
  /** Share of pixels (0–0.5] taken as background; 0.05 = the brightest 5%. */
  brightFraction: number;
}

const BINS = 1024;

/**
 * Whether `x` is a usable `brightFraction`: in (0, 0.5] (more than half the image is not background).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isBrightFraction(0.1), true);
 * assert.equal(isBrightFraction(0.9), false);
 * ```
 */
export function isBrightFraction(x: unknown): x is number {
  return typeof x === "number" && x > 0 && x <= 0.5;
}

/**
 * The image's white point: mean R, G, B of its brightest `brightFraction` pixels by BT.601 luma
 * (ties at the cut-off bin included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([0.9, 0.8, 0.7, 0.1, 0.1, 0.1]) };
 * assert.deepEqual(whitePoint(img, 0.5).map((v) => v.toFixed(3)), ["0.900", "0.800", "0.700"]);
 * ```
 */
export function whitePoint(img: FloatRgbImage, brightFraction: number): [number, number, number] {
  if (!isBrightFraction(brightFraction)) {
    throw new RangeError(`whitePoint: brightFraction must be in (0, 0.5], got ${brightFraction}`);
  }
  const d = img.data, n = d.length / 3;
  const bin = new Int32Array(n);
  const hist = new Int32Array(BINS);
  for (let i = 0; i < n; i++) {
    const y = luma(d[i * 3], d[i * 3 + 1], d[i * 3 + 2]);
    const b = Math.min(BINS - 1, Math.max(0, Math.floor(y * BINS)));
    bin[i] = b;
    hist[b]++;
  }
  const want = Math.max(1, Math.ceil(n * brightFraction));
  let cut = BINS - 1;
  for (let seen = hist[cut]; seen < want && cut > 0;) seen += hist[--cut];
  const sum = [0, 0, 0];
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (bin[i] < cut) continue;
    sum[0] += d[i * 3], sum[1] += d[i * 3 + 1], sum[2] += d[i * 3 + 2];
    count++;
  }
  return [sum[0] / count, sum[1] / count, sum[2] / count];
}

/**
 * Scales each channel so the white point becomes neutral grey at its own mean level
 * (gain_c = mean(wp) / wp_c), clamped to [0, 1]. A black or empty white point leaves the image as is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const warm = { width: 2, height: 1, data: new Float32Array([1, 0.9, 0.8, 0.5, 0.3, 0.4]) };
 * const out = whiteBalance(warm, { brightFraction: 0.5 }).data;
 * assert.deepEqual([...out.slice(0, 3)].map((v) => v.toFixed(3)), ["0.900", "0.900", "0.900"]); // background → grey
 * ```
 */
export function whiteBalance(img: FloatRgbImage, spec: WhiteBalanceSpec): FloatRgbImage {
  const wp = whitePoint(img, spec.brightFraction);
  const mean = (wp[0] + wp[1] + wp[2]) / 3;
  const out = new Float32Array(img.data.length);
  if (!(wp[0] > 1e-3 && wp[1] > 1e-3 && wp[2] > 1e-3)) {
    out.set(img.data);
    return { width: img.width, height: img.height, data: out };
  }
  const g = [mean / wp[0], mean / wp[1], mean / wp[2]];
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = d[i + c] * g[c];
      out[i + c] = v > 1 ? 1 : v;
    }
  }
  return { width: img.width, height: img.height, data: out };
}
