/**
 * Pixels → model input, identical for training (Node, NHWC) and serving (Deno/Workers, NCHW):
 * alpha compositing, optional centre-square crop, exact area (box-filter) resampling, and colour
 * normalisation as the model card's {@link PreprocessSpec} describes. Pure functions, no I/O.
 *
 * @module
 */
import type { PreprocessSpec, ScaleNormalization } from "./spec.ts";
import type { FloatRgbImage, Layout, RgbaImage } from "./types.ts";
import { luma, rgbToHsv, saturation } from "./colour.ts";
import { whiteBalance, whitePoint } from "./white_balance.ts";
import { normalizeStains } from "./stain.ts";
import { normalizeScale } from "./scale.ts";

export type { PreprocessSpec } from "./spec.ts";

/** For one axis: each target pixel's first source index and its source weights (summing to 1). */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  /** Flattened weights, `maxTaps` slots per target pixel. */
  weights: Float64Array;
  maxTaps: number;
}

/**
 * Box-filter weights mapping `srcLen` source pixels onto `dstLen` target pixels: target pixel `i`
 * covers source interval [i·s, (i+1)·s) with s = srcLen/dstLen, and each source pixel's weight is
 * its covered length divided by s (fractional coverage at both ends).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const w = areaWeights(3, 2); // target 0 = 2/3·src0 + 1/3·src1
 * assert.deepEqual([w.weights[0].toFixed(3), w.weights[1].toFixed(3)], ["0.667", "0.333"]);
 * ```
 */
export function areaWeights(srcLen: number, dstLen: number): AxisWeights {
  if (!(Number.isInteger(srcLen) && Number.isInteger(dstLen) && srcLen > 0 && dstLen > 0)) {
    throw new RangeError(`areaWeights: lengths must be positive integers, got ${srcLen} → ${dstLen}`);
  }
  const scale = srcLen / dstLen;
  const maxTaps = Math.ceil(scale) + 1;
  const start = new Int32Array(dstLen);
  const count = new Int32Array(dstLen);
  const weights = new Float64Array(dstLen * maxTaps);
  for (let i = 0; i < dstLen; i++) {
    // Interval ends as exact rationals (i·srcLen)/dstLen, so neighbours share their boundary exactly.
    const lo = (i * srcLen) / dstLen;
    const hi = ((i + 1) * srcLen) / dstLen;
    const j0 = Math.floor(lo);
    const j1 = Math.min(srcLen, Math.ceil(hi));
    let n = 0;
    let sum = 0;
    for (let j = j0; j < j1; j++) {
      const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
      if (overlap <= 1e-12) {
        if (n === 0) continue; // leading sliver from rounding: start later
        break;
      }
      if (n === 0) start[i] = j;
      weights[i * maxTaps + n++] = overlap;
      sum += overlap;
    }
    for (let k = 0; k < n; k++) weights[i * maxTaps + k] /= sum;
    count[i] = n;
  }
  return { start, count, weights, maxTaps };
}

const weightCache = new Map<string, AxisWeights>();
function cachedWeights(srcLen: number, dstLen: number): AxisWeights {
  const key = `${srcLen}:${dstLen}`;
  let w = weightCache.get(key);
  if (!w) {
    if (weightCache.size > 64) weightCache.clear();
    w = areaWeights(srcLen, dstLen);
    weightCache.set(key, w);
  }
  return w;
}

/**
 * The region of `width`×`height` that `crop` keeps: everything, or the largest centred square
 * (offset rounded down).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(cropRect(640, 480, "center-square"), { x: 80, y: 0, width: 480, height: 480 });
 * assert.deepEqual(cropRect(640, 480, "none"), { x: 0, y: 0, width: 640, height: 480 });
 * ```
 */
export function cropRect(
  width: number,
  height: number,
  crop: PreprocessSpec["crop"],
): { x: number; y: number; width: number; height: number } {
  if (crop === "none") return { x: 0, y: 0, width, height };
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
}

/**
 * Composites alpha over `spec.alphaBackground`, applies `spec.crop`, and area-resamples to
 * `spec.size`×`spec.size`; values in [0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 2, data: new Uint8Array([255,0,0,255, 255,0,0,255, 0,0,255,255, 0,0,255,255]) };
 * const spec: PreprocessSpec = { size: 1, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   normalization: { mode: "per-image", minStd: 0.01 } };
 * assert.deepEqual(toFloatRgb(img, spec).data, new Float32Array([0.5, 0, 0.5]));
 * ```
 */
export function toFloatRgb(img: RgbaImage, spec: PreprocessSpec): FloatRgbImage {
  if (spec.scale) return toScaledFloatRgb(img, spec, spec.scale);
  const { width, height, data } = img;
  if (data.length !== width * height * 4 || width <= 0 || height <= 0) {
    throw new RangeError(`toFloatRgb: RGBA buffer of ${data.length} bytes does not match ${width}×${height}`);
  }
  const size = spec.size;
  const bg = spec.alphaBackground / 255;
  const r = cropRect(width, height, spec.crop);
  const wx = cachedWeights(r.width, size);
  const wy = cachedWeights(r.height, size);

  // Pass 1: each cropped row → composited floats → horizontally resampled (r.height × size × 3).
  const row = new Float64Array(r.width * 3);
  const mid = new Float64Array(r.height * size * 3);
  const inv = 1 / 255;
  for (let y = 0; y < r.height; y++) {
    let s = ((r.y + y) * width + r.x) * 4;
    for (let x = 0; x < r.width; x++, s += 4) {
      const a = data[s + 3];
      if (a === 255) {
        row[x * 3] = data[s] * inv;
        row[x * 3 + 1] = data[s + 1] * inv;
        row[x * 3 + 2] = data[s + 2] * inv;
      } else {
        const af = a * inv, rest = (1 - af) * bg;
        row[x * 3] = data[s] * inv * af + rest;
        row[x * 3 + 1] = data[s + 1] * inv * af + rest;
        row[x * 3 + 2] = data[s + 2] * inv * af + rest;
      }
    }
    const m = y * size * 3;
    for (let i = 0; i < size; i++) {
      let sr = 0, sg = 0, sb = 0;
      const w0 = i * wx.maxTaps;
      let p = wx.start[i] * 3;
      for (let k = 0, n = wx.count[i]; k < n; k++, p += 3) {
        const w = wx.weights[w0 + k];
        sr += row[p] * w;
        sg += row[p + 1] * w;
        sb += row[p + 2] * w;
      }
      mid[m + i * 3] = sr;
      mid[m + i * 3 + 1] = sg;
      mid[m + i * 3 + 2] = sb;
    }
  }

  // Pass 2: vertical.
  const out = new Float32Array(size * size * 3);
  const stride = size * 3;
  for (let j = 0; j < size; j++) {
    const w0 = j * wy.maxTaps;
    const n = wy.count[j];
    const o = j * stride;
    for (let k = 0; k < n; k++) {
      const w = wy.weights[w0 + k];
      const m = (wy.start[j] + k) * stride;
      for (let c = 0; c < stride; c++) out[o + c] += mid[m + c] * w;
    }
  }
  // Guard [0, 1] against float drift.
  for (let i = 0; i < out.length; i++) out[i] = out[i] < 0 ? 0 : out[i] > 1 ? 1 : out[i];
  return { width: size, height: size, data: out };
}

/**
 * {@link toFloatRgb} with `spec.scale`: crop, area-resize to the working size, then
 * {@link fromWorkingSize}.
 */
function toScaledFloatRgb(img: RgbaImage, spec: PreprocessSpec, scale: ScaleNormalization): FloatRgbImage {
  const working = toFloatRgb(img, { ...spec, size: scale.workingSize, scale: undefined });
  return fromWorkingSize(working, spec, img.width, img.height);
}

/**
 * The second half of preprocessing with `spec.scale`, for a caller that has already cropped and
 * area-resized a `sourceWidth`×`sourceHeight` image to `spec.scale.workingSize` (as
 * {@link toFloatRgb} does with `size: workingSize` and no `scale`): brings its red cells to the
 * spec's size ({@link normalizeScale}) and resamples to `spec.size`. The result's `view` says which
 * part of the source it shows, in source pixels (for overlays). Without `spec.scale`: `working`
 * itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec: PreprocessSpec = { size: 4, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   normalization: { mode: "per-image", minStd: 0.01 }, scale: { redCellRadius: 7, workingSize: 8, zoomRange: [0.75, 1.35] } };
 * const flat = { width: 8, height: 8, data: new Float32Array(8 * 8 * 3).fill(0.5) };
 * // nothing to measure on a flat image: zoom 1, the whole 16×32 source
 * assert.deepEqual(fromWorkingSize(flat, spec, 16, 32).view, { x: 0, y: 0, width: 16, height: 32 });
 * ```
 */
export function fromWorkingSize(
  working: FloatRgbImage,
  spec: PreprocessSpec,
  sourceWidth: number,
  sourceHeight: number,
): FloatRgbImage {
  if (!spec.scale) return working;
  const { image, window } = normalizeScale(working, spec.scale, spec.size);
  const r = cropRect(sourceWidth, sourceHeight, spec.crop);
  const w = working.width, h = working.height;
  return {
    ...image,
    view: {
      x: r.x + (window.x * r.width) / w,
      y: r.y + (window.y * r.height) / h,
      width: (window.side * r.width) / w,
      height: (window.side * r.height) / h,
    },
  };
}

/** Per-channel mean and population standard deviation. */
function channelMoments(img: FloatRgbImage): { mean: [number, number, number]; std: [number, number, number] } {
  const d = img.data;
  const n = img.width * img.height;
  const sum = [0, 0, 0], sq = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = d[i * 3 + c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const mean = sum.map((s) => s / n) as [number, number, number];
  const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c] * mean[c]))) as [number, number, number];
  return { mean, std };
}

/**
 * Applies `spec.normalization` and writes the image as a [3, h, w] (NCHW) or [h, w, 3] (NHWC)
 * block of `out` starting at `offset` (a fresh array when `out` is omitted). Both layouts hold the
 * same numbers in different order. With `spec.whiteBalance` the image is first white-balanced on
 * its background ({@link whiteBalance}), then with `spec.stainNormalization` redrawn with reference
 * stains ({@link normalizeStains}). With `spec.colorMode === "grey"` the image is first turned into
 * its luma ({@link toGrey}), so the three channels are equal; with `"relative-chroma"` into
 * saturation and image-relative chroma ({@link toRelativeChroma}). `fixed`: (v − mean[c]) / std[c]; `per-image`:
 * (v − mean_c) / max(std_c, minStd) using this image's own channel statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 1, height: 2, data: new Float32Array([0, 0.5, 1, 1, 0.5, 0]) };
 * const spec: PreprocessSpec = { size: 2, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   normalization: { mode: "fixed", mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } };
 * assert.deepEqual(normalizeToTensor(img, spec, "NCHW"), new Float32Array([-1, 1, 0, 0, 1, -1]));
 * ```
 */
export function normalizeToTensor(
  img: FloatRgbImage,
  spec: PreprocessSpec,
  layout: Layout,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const { width, height, data } = img;
  const n = width * height;
  if (data.length !== n * 3) {
    throw new RangeError(`normalizeToTensor: ${data.length} values do not match ${width}×${height}×3`);
  }
  const target = out ?? new Float32Array(n * 3);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + n * 3 <= target.length)) {
    throw new RangeError(
      `normalizeToTensor: output of length ${target.length} cannot hold ${n * 3} values at offset ${offset}`,
    );
  }
  if (spec.whiteBalance) {
    return normalizeToTensor(
      whiteBalance(img, spec.whiteBalance),
      { ...spec, whiteBalance: undefined },
      layout,
      out,
      offset,
    );
  }
  if (spec.stainNormalization) {
    return normalizeToTensor(
      normalizeStains(img, spec.stainNormalization),
      { ...spec, stainNormalization: undefined },
      layout,
      out,
      offset,
    );
  }
  if (spec.colorMode === "grey") {
    return normalizeToTensor(toGrey(img), { ...spec, colorMode: "rgb" }, layout, out, offset);
  }
  if (spec.colorMode === "relative-chroma") {
    return normalizeToTensor(toRelativeChroma(img), { ...spec, colorMode: "rgb" }, layout, out, offset);
  }
  const norm = spec.normalization;
  let mean: readonly number[], scale: number[];
  if (norm.mode === "fixed") {
    mean = norm.mean;
    scale = norm.std.map((s) => 1 / s);
  } else {
    const m = channelMoments(img);
    mean = m.mean;
    scale = m.std.map((s) => 1 / Math.max(s, norm.minStd));
  }
  const [m0, m1, m2] = mean, [k0, k1, k2] = scale;
  if (layout === "NHWC") {
    for (let i = 0, p = offset; i < n * 3; i += 3, p += 3) {
      target[p] = (data[i] - m0) * k0;
      target[p + 1] = (data[i + 1] - m1) * k1;
      target[p + 2] = (data[i + 2] - m2) * k2;
    }
  } else if (layout === "NCHW") {
    for (let i = 0, s = 0; i < n; i++, s += 3) {
      target[offset + i] = (data[s] - m0) * k0;
      target[offset + n + i] = (data[s + 1] - m1) * k1;
      target[offset + 2 * n + i] = (data[s + 2] - m2) * k2;
    }
  } else {
    throw new RangeError(`normalizeToTensor: layout must be "NCHW" or "NHWC", got "${layout as string}"`);
  }
  return target;
}

/**
 * The image with every pixel's three channels set to its luma (BT.601). Hue and saturation shifts
 * of the stain barely move it, so a model fed this reads shape and texture rather than colour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const grey = toGrey({ width: 1, height: 1, data: new Float32Array([1, 0, 0]) }).data;
 * assert.deepEqual([...grey].map((v) => v.toFixed(3)), ["0.299", "0.299", "0.299"]);
 * ```
 */
export function toGrey(img: FloatRgbImage): FloatRgbImage {
  const { data } = img;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    const y = luma(data[i], data[i + 1], data[i + 2]);
    out[i] = y;
    out[i + 1] = y;
    out[i + 2] = y;
  }
  return { width: img.width, height: img.height, data: out };
}

/** cos and sin of 2πH on a 4096-step table (+2 entries, so H = 1 − ε still interpolates). */
const HUE_STEPS = 4096;
const HUE_COS = Float64Array.from({ length: HUE_STEPS + 2 }, (_, k) => Math.cos((2 * Math.PI * k) / HUE_STEPS));
const HUE_SIN = Float64Array.from({ length: HUE_STEPS + 2 }, (_, k) => Math.sin((2 * Math.PI * k) / HUE_STEPS));

/**
 * The stain- and lamp-invariant view of an image used by `colorMode: "relative-chroma"`: per
 * pixel, with (H, S, V) its HSV values and H̄ the image's saturation-weighted circular mean hue,
 * the three channels are
 *
 * - S — how much dye the pixel holds, whatever the lamp's brightness (V drops out);
 * - S·cos 2π(H − H̄) and S·sin 2π(H − H̄) — its chroma relative to the image's own mean stain
 *   colour, so purple nuclei, blue cytoplasm and pink red cells stay apart while a global hue
 *   rotation of the stain cancels.
 *
 * A global hue rotation leaves all three unchanged, a brightness change leaves them unchanged
 * (also where V clips, as the shift grid defines it), and a saturation factor scales all three
 * alike, which per-image normalisation then removes. Background (white, S ≈ 0) maps to 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([1, 0, 0, 0, 0, 1]) }; // red, blue
 * // ±60° from their mean hue (magenta)
 * const out = [...toRelativeChroma(img).data].map((v) => v.toFixed(3));
 * assert.deepEqual(out, ["1.000", "0.500", "0.866", "1.000", "0.500", "-0.866"]);
 * ```
 */
export function toRelativeChroma(img: FloatRgbImage): FloatRgbImage {
  const { data } = img;
  const n = data.length / 3;
  // Per pixel the chroma vector (S·cos 2πH, S·sin 2πH); rotating it by −H̄ afterwards equals
  // S·cos/sin 2π(H − H̄) without a second pair of trigonometric calls per pixel.
  const out = new Float32Array(data.length);
  const chroma = new Float64Array(n * 2);
  const hsv: [number, number, number] = [0, 0, 0];
  let sumCos = 0, sumSin = 0;
  for (let i = 0; i < n; i++) {
    rgbToHsv(data[i * 3], data[i * 3 + 1], data[i * 3 + 2], hsv);
    const s = hsv[1];
    // cos/sin of 2πH from a table with linear interpolation (error < 3e-7, below float32 output precision)
    const x = hsv[0] * HUE_STEPS, k = x | 0, f = x - k;
    const c = s * (HUE_COS[k] + (HUE_COS[k + 1] - HUE_COS[k]) * f);
    const si = s * (HUE_SIN[k] + (HUE_SIN[k + 1] - HUE_SIN[k]) * f);
    chroma[i * 2] = c;
    chroma[i * 2 + 1] = si;
    out[i * 3] = s;
    sumCos += c;
    sumSin += si;
  }
  const mean = sumCos === 0 && sumSin === 0 ? 0 : Math.atan2(sumSin, sumCos);
  const cm = Math.cos(mean), sm = Math.sin(mean);
  for (let i = 0; i < n; i++) {
    const c = chroma[i * 2], si = chroma[i * 2 + 1];
    out[i * 3 + 1] = c * cm + si * sm;
    out[i * 3 + 2] = si * cm - c * sm;
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * The full transform: {@link toFloatRgb} then {@link normalizeToTensor}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 4, height: 4, data: new Uint8Array(64).fill(255) };
 * const spec: PreprocessSpec = { size: 2, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] } };
 * assert.deepEqual(preprocess(img, spec, "NCHW"), new Float32Array(12).fill(1)); // 3 × 2 × 2, all 1
 * ```
 */
export function preprocess(img: RgbaImage, spec: PreprocessSpec, layout: Layout): Float32Array {
  return normalizeToTensor(toFloatRgb(img, spec), spec, layout);
}

/** Share of the brightest pixels whose mean colour {@link imageStats} takes as the slide background. */
export const BACKGROUND_FRACTION = 0.02;

/**
 * Statistics of a [0, 1] RGB image for the model card's domain check: `meanR/G/B`, `stdR/G/B`
 * (population), `darkFraction` (share of pixels with every channel below 0.1), `meanSaturation`
 * (mean HSV saturation: how much dye colour there is; 0 for a grey image) and `backgroundTint`
 * (saturation of the brightest 2% of pixels' mean colour: a lamp or white-balance cast).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = imageStats({ width: 2, height: 1, data: new Float32Array([0, 0, 0, 1, 1, 1]) });
 * assert.deepEqual(s, {
 *   meanR: 0.5, meanG: 0.5, meanB: 0.5, stdR: 0.5, stdG: 0.5, stdB: 0.5, darkFraction: 0.5,
 *   meanSaturation: 0, backgroundTint: 0,
 * });
 * ```
 */
export function imageStats(img: FloatRgbImage): Record<string, number> {
  const { mean, std } = channelMoments(img);
  const d = img.data;
  const n = img.width * img.height;
  let dark = 0, sat = 0;
  for (let i = 0; i < n; i++) {
    const r = d[i * 3], g = d[i * 3 + 1], b = d[i * 3 + 2];
    if (r < 0.1 && g < 0.1 && b < 0.1) dark++;
    sat += saturation(r, g, b);
  }
  const wp = n === 0 ? [0, 0, 0] : whitePoint(img, BACKGROUND_FRACTION);
  const wpMax = Math.max(wp[0], wp[1], wp[2]);
  return {
    meanR: mean[0],
    meanG: mean[1],
    meanB: mean[2],
    stdR: std[0],
    stdG: std[1],
    stdB: std[2],
    darkFraction: n === 0 ? 0 : dark / n,
    meanSaturation: n === 0 ? 0 : sat / n,
    backgroundTint: wpMax > 0 ? (wpMax - Math.min(wp[0], wp[1], wp[2])) / wpMax : 0,
  };
}
