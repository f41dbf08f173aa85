/**
 * The model input's colour normalisation for a whole batch that already lives on the tfjs backend,
 * in tfjs ops: for the GPU data path of training, where images are resized and augmented on the
 * device and must not come back to the CPU before the step. It computes what the one shared copy,
 * `normalizeToTensor(img, spec, "NHWC")` in `model/core/preprocess/preprocess.ts`, computes for
 * each image, in the same order:
 *
 * 1. `spec.whiteBalance`: each image divided by its own white point (the mean colour of its
 *    brightest pixels by BT.601 luma, on the same 1024-bin histogram cut as `whitePoint`), capped
 *    at 1; an image whose white point has a channel ≤ 1e-3 is left as is.
 * 2. `spec.colorMode`: `grey` → luma in all three channels; `relative-chroma` → saturation and
 *    chroma relative to the image's saturation-weighted mean hue (`toRelativeChroma`).
 * 3. `spec.normalization`: `fixed` constants, or `per-image` channel mean and population standard
 *    deviation (at least `minStd`).
 *
 * The reference computes in float64 and stores float32; these ops compute in float32, so results
 * agree to float32 rounding (see the test for the measured differences). Two discrete choices can
 * differ where the reference sits within float32 rounding of a boundary: a pixel whose luma·1024
 * lies within ~1e-4 of an integer can land in the neighbouring white-balance bin, and an image
 * whose summed chroma cancels to ~0 (no dominant hue) has an ill-defined mean hue in both.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { PreprocessSpec } from "../../../../model/core/mod.ts";
import { isBrightFraction } from "../../../../model/core/mod.ts";
import { lumaBatch, meanOfBrightest } from "./colour_ops.ts";

/** Luma histogram bins of the white point (as `whitePoint` in `white_balance.ts`). */
const BINS = 1024;

/**
 * The model input for a batch on the tfjs backend: what normalizeToTensor(img, spec, "NHWC") gives each image.
 *
 * `x` is [B, H, W, 3], RGB in [0, 1] (usually H = W = `spec.size`); the result has the same shape.
 * `x` is not disposed, and no intermediate tensor outlives the call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { normalizeToTensor, type PreprocessSpec } from "../../../../model/core/mod.ts";
 * await tf.setBackend("cpu");
 * const spec: PreprocessSpec = { size: 2, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   colorMode: "grey", normalization: { mode: "per-image", minStd: 0.01 } };
 * const data = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]); // red, green / blue, white
 * const x = tf.tensor4d(data, [1, 2, 2, 3]);
 * const got = normalizeBatch(x, spec).dataSync();
 * const want = normalizeToTensor({ width: 2, height: 2, data }, spec, "NHWC");
 * assert.ok(got.every((v, i) => Math.abs(v - want[i]) < 1e-5));
 * assert.ok(got[0] === got[1] && got[3] > got[0] && got[9] > got[3]); // grey: green brighter than red, white brightest
 * ```
 */
export function normalizeBatch(x: tf.Tensor4D, spec: PreprocessSpec): tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== 3) {
    throw new RangeError(`normalizeBatch: expected a [B, H, W, 3] batch, got [${x.shape.join(", ")}]`);
  }
  const [batch, height, width] = x.shape;
  if (height <= 0 || width <= 0) {
    throw new RangeError(`normalizeBatch: images must not be empty, got ${height}×${width}`);
  }
  const norm = spec.normalization;
  if (norm.mode !== "fixed" && norm.mode !== "per-image") {
    throw new RangeError(`normalizeBatch: unknown normalization mode "${(norm as { mode: string }).mode}"`);
  }
  const colorMode = spec.colorMode ?? "rgb";
  if (colorMode !== "rgb" && colorMode !== "grey" && colorMode !== "relative-chroma") {
    throw new RangeError(`normalizeBatch: unknown colorMode "${colorMode as string}"`);
  }
  if (spec.stainNormalization) {
    throw new RangeError("normalizeBatch: stain normalisation has no device version; train with --data-path host");
  }
  const brightFraction = spec.whiteBalance?.brightFraction;
  if (spec.whiteBalance && !isBrightFraction(brightFraction)) {
    throw new RangeError(`normalizeBatch: brightFraction must be in (0, 0.5], got ${brightFraction}`);
  }
  return tf.tidy(() => {
    if (batch === 0) return tf.zeros([0, height, width, 3]) as tf.Tensor4D;
    let img: tf.Tensor4D = x.dtype === "float32" ? x : tf.cast(x, "float32");
    if (brightFraction !== undefined) img = whiteBalanceBatch(img, brightFraction);
    if (colorMode === "grey") img = greyBatch(img);
    else if (colorMode === "relative-chroma") img = relativeChromaBatch(img);
    return normalizeChannels(img, norm);
  });
}

/** R, G, B of a [B, H, W, 3] batch as three [B, H, W, 1] tensors. */
function channels(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.split(x, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
}

/**
 * `whiteBalance` per image: white point = mean RGB of the pixels whose luma bin is at least the
 * cut bin, the highest bin with at least `want` pixels at or above it (ties at the cut included).
 * That bin is the smallest of the `want` largest bins.
 */
function whiteBalanceBatch(x: tf.Tensor4D, brightFraction: number): tf.Tensor4D {
  const [batch, height, width] = x.shape;
  const n = height * width;
  const want = Math.max(1, Math.ceil(n * brightFraction));
  const bins = tf.reshape(tf.clipByValue(tf.floor(tf.mul(lumaBatch(x), BINS)), 0, BINS - 1), [batch, n]) as tf.Tensor2D;
  const wp = meanOfBrightest(x, bins, want); // [B, 1, 1, 3]
  const gains = tf.div(tf.mean(wp, 3, true), wp);
  const usable = tf.greater(tf.min(wp, 3, true), 1e-3); // [B, 1, 1, 1]: every channel > 1e-3
  return tf.where(usable, tf.minimum(tf.mul(x, gains), 1), x);
}

/** `toGrey`: luma in all three channels. */
function greyBatch(x: tf.Tensor4D): tf.Tensor4D {
  const y = lumaBatch(x);
  return tf.concat([y, y, y], 3);
}

/**
 * `toRelativeChroma`: per pixel HSV as `rgbToHsv` (hexcone; max = R tested first, then G, then
 * B; H = 0 for grey, S = 0 for black), the chroma vector (S·cos 2πH, S·sin 2πH), and that vector
 * rotated by −H̄, H̄ = atan2(Σ S·sin 2πH, Σ S·cos 2πH) over the image (0 when both sums are 0).
 * cos H̄ and sin H̄ are taken as the normalised sum vector, which equals cos/sin of the atan2
 * without the round trip through an angle.
 */
function relativeChromaBatch(x: tf.Tensor4D): tf.Tensor4D {
  const [r, g, b] = channels(x);
  const max = tf.maximum(tf.maximum(r, g), b);
  const min = tf.minimum(tf.minimum(r, g), b);
  const d = tf.sub(max, min);
  const chromatic = tf.greater(d, 0);
  const dSafe = tf.where(chromatic, d, tf.onesLike(d));
  const hR = tf.div(tf.sub(g, b), dSafe);
  const hG = tf.add(tf.div(tf.sub(b, r), dSafe), 2);
  const hB = tf.add(tf.div(tf.sub(r, g), dSafe), 4);
  const h6 = tf.div(tf.where(tf.equal(max, r), hR, tf.where(tf.equal(max, g), hG, hB)), 6);
  const hue = tf.where(chromatic, tf.where(tf.less(h6, 0), tf.add(h6, 1), h6), tf.zerosLike(h6));
  const lit = tf.greater(max, 0);
  const s = tf.where(lit, tf.div(d, tf.where(lit, max, tf.onesLike(max))), tf.zerosLike(max));
  const angle = tf.mul(hue, 2 * Math.PI);
  const c = tf.mul(s, tf.cos(angle));
  const si = tf.mul(s, tf.sin(angle));
  const sumC = tf.sum(c, [1, 2, 3], true); // [B, 1, 1, 1]
  const sumS = tf.sum(si, [1, 2, 3], true);
  // (sumC, sumS)/|·|, scaled by the larger component first so tiny sums do not underflow.
  const big = tf.maximum(tf.abs(sumC), tf.abs(sumS));
  const any = tf.greater(big, 0);
  const bigSafe = tf.where(any, big, tf.onesLike(big));
  const uc = tf.div(sumC, bigSafe), us = tf.div(sumS, bigSafe);
  const len = tf.sqrt(tf.add(tf.square(uc), tf.square(us))); // in [1, √2] where any
  const lenSafe = tf.where(any, len, tf.onesLike(len));
  const cm = tf.where(any, tf.div(uc, lenSafe), tf.onesLike(uc));
  const sm = tf.where(any, tf.div(us, lenSafe), tf.zerosLike(us));
  const rc = tf.add(tf.mul(c, cm), tf.mul(si, sm));
  const rs = tf.sub(tf.mul(si, cm), tf.mul(c, sm));
  return tf.concat([s, rc, rs], 3) as tf.Tensor4D;
}

/** `fixed`: (v − mean[c]) / std[c]; `per-image`: (v − mean_c) / max(std_c, minStd) over each image. */
function normalizeChannels(x: tf.Tensor4D, norm: PreprocessSpec["normalization"]): tf.Tensor4D {
  if (norm.mode === "fixed") {
    const mean = tf.tensor1d(norm.mean, "float32");
    const scale = tf.tensor1d(norm.std.map((s) => 1 / s), "float32");
    return tf.mul(tf.sub(x, mean), scale);
  }
  const { mean, variance } = tf.moments(x, [1, 2], true); // [B, 1, 1, 3], population variance
  const scale = tf.div(1, tf.maximum(tf.sqrt(variance), norm.minStd));
  return tf.mul(tf.sub(x, mean), scale);
}
