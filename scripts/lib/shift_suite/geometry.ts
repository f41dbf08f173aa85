/**
 * Optical and geometric shifts on 8-bit RGBA images, at the source resolution, output the same size:
 *
 * - defocus: Gaussian blur with standard deviation σ in source pixels, separable, kernel radius
 *   ⌈3σ⌉, weights normalised to 1. Borders are mirrored (…2 1 0 | 0 1 2…, ImageMagick's
 *   `-virtual-pixel mirror`), which keeps every channel's mean exactly (before rounding).
 * - magnification s (0.75–1.25 in the suite): s > 1 takes the centre 1/s of the field and resizes
 *   it back to the full size with bilinear interpolation (pixel centres map as
 *   u = (x + ½ − W/2)/s + W/2 − ½); s < 1 shrinks the whole field by s with exact area averaging to
 *   round(W·s) × round(H·s), puts it in the centre and fills the border by mirroring the shrunk
 *   content (as if the neighbouring field of view continued); s = 1 returns an identical copy.
 *
 * Results are rounded to the nearest level. Alpha is carried through the same resampling.
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";
import { assertRgba, copyImage } from "./image.ts";

/**
 * Mirror index (…2 1 0 | 0 1 2 … n−1 | n−1 n−2…) of `i` into 0..n−1, for any integer `i`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([-2, -1, 0, 3, 4, 5, 9].map((i) => mirrorIndex(i, 4)), [1, 0, 0, 3, 3, 2, 1]);
 * ```
 */
export function mirrorIndex(i: number, n: number): number {
  const p = 2 * n;
  const m = ((i % p) + p) % p;
  return m < n ? m : p - 1 - m;
}

/**
 * Normalised Gaussian weights for offsets −r..r, r = ⌈3σ⌉.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const k = gaussianKernel(1);
 * assert.equal(k.length, 7);
 * assert.equal(k.reduce((a, b) => a + b, 0).toFixed(12), "1.000000000000");
 * assert.equal(k[0], k[6]); // symmetric
 * ```
 */
export function gaussianKernel(sigma: number): Float64Array {
  if (!Number.isFinite(sigma) || sigma <= 0) throw new RangeError(`gaussianKernel: σ must be > 0, got ${sigma}`);
  const r = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

function roundInto(src: Float64Array, width: number, height: number): RgbaImage {
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = Math.round(src[i]);
    out[i] = x > 255 ? 255 : x > 0 ? x : 0;
  }
  return { width, height, data: out };
}

/**
 * Gaussian blur (defocus) with σ in source pixels; σ = 0 returns an identical copy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // one bright pixel in a 5×1 row: its light spreads symmetrically and the sum is kept
 * const data = new Uint8Array(5 * 4).fill(255);
 * [0, 0, 0, 100, 0].forEach((v, x) => data.fill(v, x * 4, x * 4 + 3));
 * const out = gaussianBlur({ width: 5, height: 1, data }, 0.5);
 * assert.deepEqual([0, 1, 2, 3, 4].map((x) => out.data[x * 4]), [0, 0, 11, 79, 11]);
 * ```
 */
export function gaussianBlur(img: RgbaImage, sigma: number): RgbaImage {
  assertRgba(img, "gaussianBlur");
  if (!Number.isFinite(sigma) || sigma < 0) {
    throw new RangeError(`gaussianBlur: σ must be a finite number ≥ 0 (source pixels), got ${sigma}`);
  }
  if (sigma === 0) return copyImage(img);
  const { width: w, height: h, data: src } = img;
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const xs = Int32Array.from({ length: w + 2 * r }, (_, i) => mirrorIndex(i - r, w) * 4);
  const ys = Int32Array.from({ length: h + 2 * r }, (_, i) => mirrorIndex(i - r, h) * w * 4);
  const tmp = new Float64Array(src.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * 4;
    for (let x = 0; x < w; x++) {
      let a = 0, b = 0, c = 0, d = 0;
      for (let t = 0; t < k.length; t++) {
        const j = row + xs[x + t], wt = k[t];
        a += wt * src[j], b += wt * src[j + 1], c += wt * src[j + 2], d += wt * src[j + 3];
      }
      const o = row + x * 4;
      tmp[o] = a, tmp[o + 1] = b, tmp[o + 2] = c, tmp[o + 3] = d;
    }
  }
  const acc = new Float64Array(src.length);
  for (let y = 0; y < h; y++) {
    const o = y * w * 4;
    for (let t = 0; t < k.length; t++) {
      const j = ys[y + t], wt = k[t];
      for (let i = 0; i < w * 4; i++) acc[o + i] += wt * tmp[j + i];
    }
  }
  return roundInto(acc, w, h);
}

/** Per output index: the two source indices and the weight of the second (bilinear). */
function bilinearTaps(n: number, s: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(n), i1 = new Int32Array(n), f = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const u = Math.min(n - 1, Math.max(0, (x + 0.5 - n / 2) / s + n / 2 - 0.5));
    const a = Math.floor(u);
    i0[x] = a, i1[x] = Math.min(a + 1, n - 1), f[x] = u - a;
  }
  return { i0, i1, f };
}

/** Exact area weights from n source pixels onto m output pixels: for each output, [source, weight] pairs. */
function areaTaps(n: number, m: number): Array<Array<[number, number]>> {
  const scale = n / m;
  const taps: Array<Array<[number, number]>> = [];
  for (let j = 0; j < m; j++) {
    const lo = j * scale, hi = (j + 1) * scale;
    const row: Array<[number, number]> = [];
    for (let i = Math.floor(lo); i < Math.min(n, Math.ceil(hi)); i++) {
      const cover = Math.min(hi, i + 1) - Math.max(lo, i);
      if (cover > 1e-12) row.push([i, cover / scale]);
    }
    taps.push(row);
  }
  return taps;
}

/**
 * Magnification by `s` about the centre (see the module notes); the output keeps the input's size.
 * `s` must be in [0.25, 4].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a 4×1 row 0, 40, 80, 120 shrunk to half: two averages (20, 100) in the centre, mirrored outwards
 * const data = new Uint8Array(16).fill(255);
 * [0, 40, 80, 120].forEach((v, x) => data.fill(v, x * 4, x * 4 + 3));
 * const half = magnify({ width: 4, height: 1, data }, 0.5);
 * assert.deepEqual([0, 1, 2, 3].map((x) => half.data[x * 4]), [20, 20, 100, 100]);
 * // ×2: the centre half (pixels 1–2, source positions 0.75 … 2.25 at the output's pixel centres) fills the row
 * const twice = magnify({ width: 4, height: 1, data }, 2);
 * assert.deepEqual([0, 1, 2, 3].map((x) => twice.data[x * 4]), [30, 50, 70, 90]);
 * ```
 */
export function magnify(img: RgbaImage, s: number): RgbaImage {
  assertRgba(img, "magnify");
  if (!Number.isFinite(s) || s < 0.25 || s > 4) {
    throw new RangeError(`magnify: scale must be a number in [0.25, 4] (1 = unchanged), got ${s}`);
  }
  if (s === 1) return copyImage(img);
  const { width: w, height: h, data: src } = img;
  const out = new Float64Array(src.length);
  if (s > 1) {
    const tx = bilinearTaps(w, s), ty = bilinearTaps(h, s);
    for (let y = 0; y < h; y++) {
      const r0 = ty.i0[y] * w * 4, r1 = ty.i1[y] * w * 4, fy = ty.f[y];
      for (let x = 0; x < w; x++) {
        const c0 = tx.i0[x] * 4, c1 = tx.i1[x] * 4, fx = tx.f[x];
        const o = (y * w + x) * 4;
        for (let c = 0; c < 4; c++) {
          const top = src[r0 + c0 + c] + fx * (src[r0 + c1 + c] - src[r0 + c0 + c]);
          const bot = src[r1 + c0 + c] + fx * (src[r1 + c1 + c] - src[r1 + c0 + c]);
          out[o + c] = top + fy * (bot - top);
        }
      }
    }
    return roundInto(out, w, h);
  }
  const sw = Math.max(1, Math.round(w * s)), sh = Math.max(1, Math.round(h * s));
  const ax = areaTaps(w, sw), ay = areaTaps(h, sh);
  // horizontal then vertical area average into sw × sh
  const tmp = new Float64Array(sw * h * 4);
  for (let y = 0; y < h; y++) {
    for (let j = 0; j < sw; j++) {
      const o = (y * sw + j) * 4;
      for (const [i, wt] of ax[j]) {
        const p = (y * w + i) * 4;
        for (let c = 0; c < 4; c++) tmp[o + c] += wt * src[p + c];
      }
    }
  }
  const small = new Float64Array(sw * sh * 4);
  for (let j = 0; j < sh; j++) {
    for (const [i, wt] of ay[j]) {
      for (let x = 0; x < sw * 4; x++) small[j * sw * 4 + x] += wt * tmp[i * sw * 4 + x];
    }
  }
  const ox = Math.floor((w - sw) / 2), oy = Math.floor((h - sh) / 2);
  for (let y = 0; y < h; y++) {
    const sy = mirrorIndex(y - oy, sh) * sw * 4;
    for (let x = 0; x < w; x++) {
      const p = sy + mirrorIndex(x - ox, sw) * 4, o = (y * w + x) * 4;
      out[o] = small[p], out[o + 1] = small[p + 1], out[o + 2] = small[p + 2], out[o + 3] = small[p + 3];
    }
  }
  return roundInto(out, w, h);
}
