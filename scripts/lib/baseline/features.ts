/**
 * Colour-statistics features of a resized image: what a model can learn from colour alone.
 *
 * @module
 */
import type { FloatRgbImage } from "../../../model/core/mod.ts";

/**
 * Features: a joint RGB histogram with `bins` levels per channel (bins³ values, fractions of
 * pixels), then per-channel mean (R, G, B) and population standard deviation (R, G, B).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   colourFeatures({ width: 2, height: 1, data: new Float32Array([0, 0, 0, 1, 1, 1]) }, 2),
 *   [0.5, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
 * );
 * ```
 */
export function colourFeatures(img: FloatRgbImage, bins = 4): number[] {
  const n = img.width * img.height;
  if (n === 0 || img.data.length !== n * 3) {
    throw new RangeError(`colourFeatures: image data does not match ${img.width}×${img.height}`);
  }
  const hist = new Array<number>(bins ** 3).fill(0);
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  const q = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor(v * bins)));
  for (let i = 0; i < n; i++) {
    const r = img.data[i * 3];
    const g = img.data[i * 3 + 1];
    const b = img.data[i * 3 + 2];
    hist[(q(r) * bins + q(g)) * bins + q(b)]++;
    sum[0] += r;
    sum[1] += g;
    sum[2] += b;
    sq[0] += r * r;
    sq[1] += g * g;
    sq[2] += b * b;
  }
  const mean = sum.map((s) => s / n);
  const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c] * mean[c])));
  return [...hist.map((h) => h / n), ...mean, ...std];
}
