/**
 * Training-only acquisition augmentations: families chosen to be DIFFERENT from the evaluation's
 * shift suite (`scripts/lib/shift_suite/`, which training must never import; a test enforces it),
 * so that the suite measures shifts the model was not trained on.
 *
 * - {@link toneCurves}: a random smooth monotone tone curve per channel, `x + a₁·sin πx + a₂·sin 2πx`
 *   (a shared part plus a per-channel part). Black and white stay fixed; mid-tones and highlights
 *   move by different amounts per channel.
 * - {@link lumaChroma}: the chroma (RGB minus BT.601 luma) of each pixel scaled by a factor that
 *   grows or shrinks with the pixel's luma, so pale background and dark nuclei change saturation
 *   unequally (a camera's or an editor's non-linear colour response).
 * - random zoom: either a random off-centre crop of `minArea`–100% of the area resized back
 *   ({@link cropResize}, bilinear: zoom in), or the whole field shrunk to `minScale`–100% and placed
 *   at a random position on a canvas of the field's own background colour ({@link zoomOut}: zoom
 *   out, more of an imaginary slide around the cells).
 *
 * None of these is an HSL edit, a channel gain, a power-law gamma, a stain-space change, a
 * background tint, a Gaussian blur or a centred magnification with mirrored borders (the suite's
 * families), although the tone curves and the luma-dependent chroma act on the same pixels and the
 * zoom changes the cells' apparent size as a magnification does.
 *
 * @module
 */
import type { FloatRgbImage } from "../../../model/core/mod.ts";
import { luma } from "../../../model/core/mod.ts";
import type { Rng } from "./rng.ts";

/** Coefficients of one channel's tone curve `x + a1·sin(πx) + a2·sin(2πx)`. */
export interface ToneCurve {
  a1: number;
  a2: number;
}

/**
 * Largest `|a1|·π + |a2|·2π` that keeps a curve strictly increasing (its slope stays ≥ 0.25).
 */
export const TONE_SLOPE_BUDGET = 0.75;

/**
 * Applies one tone curve per channel (R, G, B), clamped to [0, 1]. Returns a new image. Throws if
 * a curve could fold back (not monotone).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([0, 0.5, 1, 0.25, 0.25, 0.25]) };
 * const out = toneCurves(img, [{ a1: 0.1, a2: 0 }, { a1: 0, a2: 0 }, { a1: -0.1, a2: 0 }]).data;
 * assert.equal(out[0], 0); // black stays black
 * assert.equal(out[1], 0.5); // G untouched
 * assert.equal(out[2], 1); // white stays white
 * assert.ok(Math.abs(out[3] - (0.25 + 0.1 * Math.sin(Math.PI / 4))) < 1e-6); // R lifted
 * assert.ok(out[5] < 0.25); // B lowered
 * ```
 */
export function toneCurves(img: FloatRgbImage, curves: readonly [ToneCurve, ToneCurve, ToneCurve]): FloatRgbImage {
  for (const c of curves) {
    if (Math.abs(c.a1) * Math.PI + Math.abs(c.a2) * 2 * Math.PI > TONE_SLOPE_BUDGET + 1e-9) {
      throw new RangeError(`toneCurves: |a1|·π + |a2|·2π must be ≤ ${TONE_SLOPE_BUDGET}, got a1=${c.a1}, a2=${c.a2}`);
    }
  }
  // 256-entry tables per channel with linear interpolation: exact at the knots, smooth between.
  const N = 256;
  const lut = curves.map((c) => {
    const t = new Float32Array(N + 1);
    for (let k = 0; k <= N; k++) {
      const x = k / N;
      t[k] = x + c.a1 * Math.sin(Math.PI * x) + c.a2 * Math.sin(2 * Math.PI * x);
    }
    return t;
  });
  const src = img.data, out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const t = lut[i % 3];
    const v = src[i] <= 0 ? 0 : src[i] >= 1 ? 1 : src[i];
    const x = v * N, k = Math.min(N - 1, x | 0), f = x - k;
    const y = t[k] + (t[k + 1] - t[k]) * f;
    out[i] = y < 0 ? 0 : y > 1 ? 1 : y;
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * Scales each pixel's chroma (RGB minus its BT.601 luma) by `exp(beta · (2·luma − 1))`: with
 * `beta > 0` bright pixels gain saturation and dark ones lose it, with `beta < 0` the reverse;
 * luma is kept. Clamped to [0, 1]. Returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { luma } from "../../../model/core/mod.ts";
 * const img = { width: 2, height: 1, data: new Float32Array([0.95, 0.9, 0.93, 0.3, 0.1, 0.4]) };
 * const out = lumaChroma(img, 0.5).data;
 * const chroma = (d: Float32Array, i: number) => d[i] - luma(d[i], d[i + 1], d[i + 2]);
 * assert.ok(chroma(out, 0) > chroma(img.data, 0)); // pale pixel: more chroma
 * assert.ok(Math.abs(chroma(out, 3)) < Math.abs(chroma(img.data, 3))); // dark pixel: less
 * assert.ok(Math.abs(luma(out[0], out[1], out[2]) - luma(0.95, 0.9, 0.93)) < 1e-6); // luma kept
 * ```
 */
export function lumaChroma(img: FloatRgbImage, beta: number): FloatRgbImage {
  const src = img.data, out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i], g = src[i + 1], b = src[i + 2];
    const y = luma(r, g, b);
    const k = Math.exp(beta * (2 * y - 1));
    const o0 = y + (r - y) * k, o1 = y + (g - y) * k, o2 = y + (b - y) * k;
    out[i] = o0 < 0 ? 0 : o0 > 1 ? 1 : o0;
    out[i + 1] = o1 < 0 ? 0 : o1 > 1 ? 1 : o1;
    out[i + 2] = o2 < 0 ? 0 : o2 > 1 ? 1 : o2;
  }
  return { width: img.width, height: img.height, data: out };
}

/** A crop window in pixels of the source image (may be fractional). */
export interface CropWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The window `win` of `img` resized to `img`'s own size by bilinear sampling (pixel centres
 * aligned). Returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 4×1 ramp; the right half [2, 4) stretched over the whole width: samples at 1.75, 2.25, 2.75, 3.25
 * const img = { width: 4, height: 1, data: new Float32Array([0, 0, 0, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.6, 0.6, 0.6]) };
 * const out = cropResize(img, { x: 2, y: 0, width: 2, height: 1 }).data;
 * assert.deepEqual([out[0], out[3], out[6], out[9]].map((v) => v.toFixed(2)), ["0.35", "0.45", "0.55", "0.60"]);
 * assert.deepEqual(cropResize(img, { x: 0, y: 0, width: 4, height: 1 }).data, img.data); // whole image: unchanged
 * ```
 */
export function cropResize(img: FloatRgbImage, win: CropWindow): FloatRgbImage {
  const { width: w, height: h, data: src } = img;
  const out = new Float32Array(src.length);
  const sx = win.width / w, sy = win.height / h;
  for (let j = 0; j < h; j++) {
    const fy = Math.min(h - 1, Math.max(0, win.y + (j + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(h - 1, y0 + 1), ty = fy - y0;
    for (let i = 0; i < w; i++) {
      const fx = Math.min(w - 1, Math.max(0, win.x + (i + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(w - 1, x0 + 1), tx = fx - x0;
      const a = (y0 * w + x0) * 3, b = (y0 * w + x1) * 3, c = (y1 * w + x0) * 3, d = (y1 * w + x1) * 3;
      const o = (j * w + i) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k] + (src[b + k] - src[a + k]) * tx;
        const bottom = src[c + k] + (src[d + k] - src[c + k]) * tx;
        out[o + k] = top + (bottom - top) * ty;
      }
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * The whole image shrunk by `scale` (bilinear) and placed with its top-left corner at (`x`, `y`) on
 * a canvas of the same size filled with `fill` (RGB). Returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 4×2: two dark columns then two bright ones, shrunk to half (2×1) at (2, 0)
 * const row = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
 * const img = { width: 4, height: 2, data: new Float32Array([...row, ...row]) };
 * const out = zoomOut(img, 0.5, 2, 0, [0.9, 0.8, 0.7]).data;
 * assert.deepEqual(Array.from(out.slice(0, 6)), [0.9, 0.8, 0.7, 0.9, 0.8, 0.7].map(Math.fround)); // canvas left
 * assert.ok(out[6] < 0.5 && out[9] > 0.5); // the dark half, then the bright half, on the right
 * assert.deepEqual(Array.from(out.slice(12, 15)), [0.9, 0.8, 0.7].map(Math.fround)); // canvas below
 * ```
 */
export function zoomOut(
  img: FloatRgbImage,
  scale: number,
  x: number,
  y: number,
  fill: readonly number[],
): FloatRgbImage {
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`zoomOut: scale must be in (0, 1], got ${scale}`);
  const { width: w, height: h, data: src } = img;
  const out = new Float32Array(src.length);
  const pw = w * scale, ph = h * scale;
  for (let j = 0; j < h; j++) {
    const inY = j + 0.5 >= y && j + 0.5 < y + ph;
    const fy = Math.min(h - 1, Math.max(0, (j + 0.5 - y) / scale - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(h - 1, y0 + 1), ty = fy - y0;
    for (let i = 0; i < w; i++) {
      const o = (j * w + i) * 3;
      if (!inY || i + 0.5 < x || i + 0.5 >= x + pw) {
        out[o] = fill[0], out[o + 1] = fill[1], out[o + 2] = fill[2];
        continue;
      }
      const fx = Math.min(w - 1, Math.max(0, (i + 0.5 - x) / scale - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(w - 1, x0 + 1), tx = fx - x0;
      const a = (y0 * w + x0) * 3, b = (y0 * w + x1) * 3, c = (y1 * w + x0) * 3, d = (y1 * w + x1) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k] + (src[b + k] - src[a + k]) * tx;
        const bottom = src[c + k] + (src[d + k] - src[c + k]) * tx;
        out[o + k] = top + (bottom - top) * ty;
      }
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Mean colour of the brightest 10% of pixels (by luma; every pixel at or above the 90th-percentile
 * luma): the slide background, a zoom-out's canvas.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const data = new Float32Array(30).fill(0.2); // ten dark pixels…
 * data.set([0.9, 0.8, 0.7], 27); // …but the last is the background
 * assert.deepEqual(backgroundColour({ width: 10, height: 1, data }).map((v) => v.toFixed(2)), ["0.90", "0.80", "0.70"]);
 * ```
 */
export function backgroundColour(img: FloatRgbImage): [number, number, number] {
  const d = img.data, n = d.length / 3;
  const lumas = new Float32Array(n);
  for (let i = 0; i < n; i++) lumas[i] = luma(d[i * 3], d[i * 3 + 1], d[i * 3 + 2]);
  const cut = Float32Array.from(lumas).sort()[Math.floor(n * 0.9)];
  const sum = [0, 0, 0];
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (lumas[i] < cut) continue;
    sum[0] += d[i * 3], sum[1] += d[i * 3 + 1], sum[2] += d[i * 3 + 2];
    count++;
  }
  return [sum[0] / count, sum[1] / count, sum[2] / count];
}

/** Strengths of the training-only acquisition families; 0 turns one off. */
export interface ToneOptions {
  /** Tone-curve strength in [0, 1]: the share of {@link TONE_SLOPE_BUDGET} a curve may use. */
  curve: number;
  /** Largest |beta| of {@link lumaChroma}. */
  chroma: number;
  /** Smallest crop area share of the zoom-in (0, 1]; 1 = off. */
  minArea: number;
  /**
   * Smallest scale of the zoom-out, (0, 1]; 1 or absent = off. With both zooms on, each image is
   * zoomed in or out with equal probability.
   */
  minScale?: number;
}

/** A zoom drawn by {@link drawTone}: the whole field shrunk onto its background, or a crop resized. */
export type ZoomDraw =
  | { kind: "out"; scale: number; x: number; y: number }
  | { kind: "in"; window: CropWindow };

/** The parameters {@link drawTone} draws for one image; {@link applyTone} applies them. */
export interface ToneDraw {
  /** One curve per channel, or null when the curve strength is 0. */
  curves: [ToneCurve, ToneCurve, ToneCurve] | null;
  /** {@link lumaChroma}'s beta; 0 = skipped. */
  beta: number;
  /** The zoom, or null for none. */
  zoom: ZoomDraw | null;
}

/**
 * Draws the three families' parameters for a `width`×`height` image from `rng`. Always draws the
 * same number of random values, so enabling one family does not change the others' draws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeRng } from "./rng.ts";
 * const d = drawTone(makeRng(3), { curve: 0, chroma: 0, minArea: 1, minScale: 0.5 }, 96, 96);
 * assert.equal(d.curves, null); // curve strength 0
 * assert.equal(d.zoom?.kind, "out");
 * ```
 */
export function drawTone(rng: Rng, opts: ToneOptions, width: number, height: number): ToneDraw {
  const sym = () => 2 * rng() - 1;
  // Shared and per-channel parts, each half of the budget, split between the two harmonics.
  const budget = TONE_SLOPE_BUDGET * Math.min(1, Math.max(0, opts.curve));
  const shared = [sym(), sym()];
  const own = [[sym(), sym()], [sym(), sym()], [sym(), sym()]];
  const curves = own.map(([u, v]) => ({
    a1: ((shared[0] + u) / 2) * (budget / 2) / Math.PI,
    a2: ((shared[1] + v) / 2) * (budget / 2) / (2 * Math.PI),
  })) as [ToneCurve, ToneCurve, ToneCurve];
  const beta = sym() * opts.chroma;
  const area = opts.minArea + rng() * (1 - opts.minArea);
  const aspect = Math.exp(sym() * Math.log(1.2));
  const px = rng(), py = rng();
  const minScale = opts.minScale ?? 1;
  const zoomOutNow = rng() < 0.5 || opts.minArea >= 1;
  const scale = minScale + rng() * (1 - minScale);
  let zoom: ZoomDraw | null = null;
  if (minScale < 1 && zoomOutNow) {
    zoom = { kind: "out", scale, x: px * width * (1 - scale), y: py * height * (1 - scale) };
  } else if (opts.minArea < 1) {
    const cw = Math.min(width, width * Math.sqrt(area * aspect));
    const ch = Math.min(height, height * Math.sqrt(area / aspect));
    zoom = { kind: "in", window: { x: px * (width - cw), y: py * (height - ch), width: cw, height: ch } };
  }
  return {
    curves: budget > 0 ? curves : null,
    beta: opts.chroma > 0 && beta !== 0 ? beta : 0,
    zoom,
  };
}

/**
 * Applies a {@link ToneDraw}: tone curves, luma-dependent chroma, then the zoom (a zoom-out's canvas
 * is the toned image's own background colour, {@link backgroundColour}). Returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([0.2, 0.4, 0.6, 0.9, 0.9, 0.9]) };
 * const none = applyTone(img, { curves: null, beta: 0, zoom: null });
 * assert.deepEqual(none.data, img.data);
 * assert.notEqual(none.data, img.data); // a copy
 * ```
 */
export function applyTone(img: FloatRgbImage, draw: ToneDraw): FloatRgbImage {
  let out = img;
  if (draw.curves) out = toneCurves(out, draw.curves);
  if (draw.beta !== 0) out = lumaChroma(out, draw.beta);
  const z = draw.zoom;
  if (z?.kind === "out") out = zoomOut(out, z.scale, z.x, z.y, backgroundColour(out));
  else if (z?.kind === "in") out = cropResize(out, z.window);
  return out === img ? { ...img, data: img.data.slice() } : out;
}

/**
 * Draws the three families' parameters from `rng` and applies them (tone curves, luma-dependent
 * chroma, random zoom): {@link applyTone} of {@link drawTone}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeRng } from "./rng.ts";
 * const img = { width: 8, height: 8, data: new Float32Array(8 * 8 * 3).map((_, i) => (i % 11) / 11) };
 * const a = randomTone(img, makeRng(3), { curve: 0.8, chroma: 0.6, minArea: 0.64 });
 * assert.deepEqual(randomTone(img, makeRng(3), { curve: 0.8, chroma: 0.6, minArea: 0.64 }), a); // seeded
 * assert.notDeepEqual(a.data, img.data);
 * assert.deepEqual(randomTone(img, makeRng(3), { curve: 0, chroma: 0, minArea: 1 }).data, img.data); // all off
 * ```
 */
export function randomTone(img: FloatRgbImage, rng: Rng, opts: ToneOptions): FloatRgbImage {
  return applyTone(img, drawTone(rng, opts, img.width, img.height));
}
