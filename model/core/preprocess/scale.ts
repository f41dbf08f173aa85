/**
 * Scale normalisation: every field brought to one magnification before the model sees it. The
 * (cropped) image is area-resized to a working size, its red cells are measured
 * ({@link redCellRadius}), and the model's input is cut from a centred window whose side makes
 * the red cells `redCellRadius` working pixels across: a field with small cells (low
 * magnification) is zoomed in, one with large cells zoomed out, the border beyond the image
 * mirrored (as if the neighbouring field of view continued). The zoom is clamped to `zoomRange`,
 * and a field the ruler cannot read (blank, a single cell on black) keeps zoom 1.
 *
 * Why: cell size in pixels is evidence a network learns, and in the Taleqani set it is partly a
 * marker of the acquisition session (docs/ROBUSTNESS.md), so a model without this step follows a
 * change of objective or camera.
 *
 * @module
 */
import type { FloatRgbImage } from "./types.ts";
import { redCellRadius, type RulerReading } from "./ruler.ts";

/** The card's `preprocess.scale`: which red-cell size every field is brought to. */
export interface ScaleNormalization {
  /** the red-cell radius, in pixels of the working image, that every field is zoomed to */
  redCellRadius: number;
  /** the side (pixels) the cropped image is area-resized to before it is measured and zoomed */
  workingSize: number;
  /** the least and the largest zoom applied (a zoom above 1 enlarges the cells) */
  zoomRange: [number, number];
}

/** A square region of the working image, in its pixels; it may reach beyond the image. */
export interface ZoomWindow {
  x: number;
  y: number;
  side: number;
}

/**
 * The zoom that brings the ruler's reading to `scale.redCellRadius`, clamped to
 * `scale.zoomRange`; 1 for an unreadable field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const scale = { redCellRadius: 7, workingSize: 224, zoomRange: [0.75, 1.35] as [number, number] };
 * assert.equal(scaleZoom({ radius: 8.75, peaks: 40 }, scale), 0.8);
 * assert.equal(scaleZoom({ radius: 3, peaks: 40 }, scale), 1.35);
 * assert.equal(scaleZoom({ radius: undefined, peaks: 2 }, scale), 1);
 * ```
 */
export function scaleZoom(reading: RulerReading, scale: ScaleNormalization): number {
  if (reading.radius === undefined) return 1;
  const [lo, hi] = scale.zoomRange;
  return Math.min(hi, Math.max(lo, scale.redCellRadius / reading.radius));
}

/**
 * The centred window of a `workingSize` image that a zoom shows: side `workingSize / zoom`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(zoomWindow(200, 2), { x: 50, y: 50, side: 100 });
 * assert.deepEqual(zoomWindow(200, 0.8), { x: -25, y: -25, side: 250 });
 * ```
 */
export function zoomWindow(workingSize: number, zoom: number): ZoomWindow {
  const side = workingSize / zoom;
  const x = (workingSize - side) / 2;
  return { x, y: x, side };
}

/** Mirror index (…2 1 0 | 0 1 2 … n−1 | n−1 n−2…) of `i` into 0..n−1. */
function mirror(i: number, n: number): number {
  const period = 2 * n;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

/** Box-filter taps of one axis: target pixel i averages source [start + i·step, start + (i+1)·step). */
function windowTaps(
  srcLen: number,
  start: number,
  span: number,
  dstLen: number,
): { index: number[]; weight: number[] }[] {
  const step = span / dstLen;
  const taps: { index: number[]; weight: number[] }[] = [];
  for (let i = 0; i < dstLen; i++) {
    const a = start + i * step, b = a + step;
    const index: number[] = [], weight: number[] = [];
    for (let k = Math.floor(a); k < b; k++) {
      const w = Math.min(b, k + 1) - Math.max(a, k);
      if (w <= 0) continue;
      index.push(mirror(k, srcLen));
      weight.push(w / step);
    }
    taps.push({ index, weight });
  }
  return taps;
}

/**
 * Area-resamples a square window of `img` (it may reach beyond the image; the image is mirrored
 * there) to `size`×`size`: each target pixel is the exact box-filter average of the window part it
 * covers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a 2×1 image (black, white): a window from x = −2 of side 4 sees white black | black white
 * const img = { width: 2, height: 1, data: new Float32Array([0, 0, 0, 1, 1, 1]) };
 * const red = (o: { data: Float32Array }) => [...o.data.filter((_, i) => i % 3 === 0)];
 * assert.deepEqual(red(resampleWindow(img, { x: -2, y: -1.5, side: 4 }, 4)).slice(0, 4), [1, 0, 0, 1]);
 * assert.deepEqual(red(resampleWindow(img, { x: -2, y: -1.5, side: 4 }, 2)), [0.5, 0.5, 0.5, 0.5]);
 * // a window inside the image: x from 1, side 1, is the white pixel alone
 * assert.deepEqual(red(resampleWindow(img, { x: 1, y: 0, side: 1 }, 1)), [1]);
 * ```
 */
export function resampleWindow(img: FloatRgbImage, window: ZoomWindow, size: number): FloatRgbImage {
  const { width, height, data } = img;
  if (data.length !== width * height * 3) {
    throw new RangeError(`resampleWindow: data holds ${data.length} values, expected ${width * height * 3}`);
  }
  if (!(Number.isInteger(size) && size > 0 && window.side > 0)) {
    throw new RangeError(`resampleWindow: size must be a positive integer and the window's side positive`);
  }
  const tx = windowTaps(width, window.x, window.side, size);
  const ty = windowTaps(height, window.y, window.side, size);
  // horizontal pass over every source row, then vertical
  const mid = new Float64Array(height * size * 3);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < size; i++) {
      const { index, weight } = tx[i];
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < index.length; k++) {
        const s = (y * width + index[k]) * 3, w = weight[k];
        r += data[s] * w;
        g += data[s + 1] * w;
        b += data[s + 2] * w;
      }
      const m = (y * size + i) * 3;
      mid[m] = r;
      mid[m + 1] = g;
      mid[m + 2] = b;
    }
  }
  const out = new Float32Array(size * size * 3);
  for (let j = 0; j < size; j++) {
    const { index, weight } = ty[j];
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < index.length; k++) {
        const m = (index[k] * size + i) * 3, w = weight[k];
        r += mid[m] * w;
        g += mid[m + 1] * w;
        b += mid[m + 2] * w;
      }
      const o = (j * size + i) * 3;
      out[o] = r < 0 ? 0 : r > 1 ? 1 : r;
      out[o + 1] = g < 0 ? 0 : g > 1 ? 1 : g;
      out[o + 2] = b < 0 ? 0 : b > 1 ? 1 : b;
    }
  }
  return { width: size, height: size, data: out };
}

/**
 * Brings a working image (already cropped and area-resized to `scale.workingSize`) to the
 * spec's magnification and to `size`: measures it, picks the zoom, and resamples the window.
 * Returns the image and the zoom and window used (the window in working pixels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const scale = { redCellRadius: 7, workingSize: 8, zoomRange: [0.75, 1.35] as [number, number] };
 * const flat = { width: 8, height: 8, data: new Float32Array(8 * 8 * 3).fill(0.5) };
 * const out = normalizeScale(flat, scale, 4); // nothing to measure: zoom 1, the whole image
 * assert.deepEqual([out.zoom, out.window, out.image.width], [1, { x: 0, y: 0, side: 8 }, 4]);
 * ```
 */
export function normalizeScale(
  working: FloatRgbImage,
  scale: ScaleNormalization,
  size: number,
): { image: FloatRgbImage; zoom: number; window: ZoomWindow; reading: RulerReading } {
  const reading = redCellRadius(working);
  const zoom = scaleZoom(reading, scale);
  const window = zoomWindow(working.width, zoom);
  return { image: resampleWindow(working, window, size), zoom, window, reading };
}
