/**
 * The training augmentation of a whole batch as tfjs operations, so that on a GPU backend the
 * augmentation runs on the device instead of in JavaScript on one core (the device data path,
 * `--data-path device`). It applies the parameters that the host path draws
 * ({@link drawAugment} in `../augment.ts`, one draw per image from the same seeded generator), and
 * gives the same images as the host's {@link applyAugment} to float rounding (tested beside).
 *
 * The order of the host path is kept where it matters and regrouped where it does not: the
 * transpose of the dihedral first; then the pointwise colour steps (colour jitter as one 3×3 matrix
 * per image, tone curves, luma-dependent chroma), which commute with the flips because their only
 * image statistic (mean luma) does not depend on pixel order; then one resampling per axis that
 * folds the flips into the zoom (a zoom-out's canvas is the toned image's background colour).
 *
 * Host-only families (HSV shift, acquisition jitter, JPEG at the input size) have no device version:
 * {@link deviceAugmentRefusal} says so before a run starts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { LUMA_WEIGHTS } from "../../../../model/core/mod.ts";
import { lumaBatch, meanOfBrightest } from "./colour_ops.ts";
import type { AugmentDraw, AugmentOptions, ColorParams } from "../augment.ts";
import type { ToneDraw } from "../tone.ts";

/**
 * Why `opts` cannot run on the device data path, or null when it can.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_AUGMENT } from "../augment.ts";
 * assert.equal(deviceAugmentRefusal(DEFAULT_AUGMENT), null);
 * assert.match(deviceAugmentRefusal({ ...DEFAULT_AUGMENT, hsv: { value: 0.1, saturation: 0, hue: 0 } })!, /--aug-hsv/);
 * ```
 */
export function deviceAugmentRefusal(opts: AugmentOptions): string | null {
  const hostOnly = [
    opts.hsv ? "--aug-hsv" : null,
    opts.acquisition ? "--aug-acq" : null,
    opts.jpeg ? "--aug-jpeg" : null,
  ].filter((x): x is string => x !== null);
  return hostOnly.length === 0
    ? null
    : `${hostOnly.join(", ")} ${hostOnly.length === 1 ? "has" : "have"} no device version; drop ${
      hostOnly.length === 1 ? "it" : "them"
    } or train with --data-path host`;
}

const I_ROW = [0.596, -0.274, -0.322], Q_ROW = [0.211, -0.523, 0.312];
const I_COL = [0.956, -0.272, -1.106], Q_COL = [0.621, -0.647, 1.703];

/**
 * {@link adjustColor}'s linear part as a 3×3 matrix `A` (row-major, out = A · rgb): YIQ with the
 * chroma plane rotated by the hue and scaled by the saturation (0 for grey). Its rows sum to 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = colorMatrix({ brightness: 1, contrast: 1, saturation: 1, hue: 0, grey: false });
 * assert.ok(Math.abs(a[0] - 1) < 2e-3 && Math.abs(a[1]) < 2e-3 && Math.abs(a[4] - 1) < 2e-3); // ≈ identity
 * ```
 */
export function colorMatrix(p: ColorParams): number[] {
  const th = p.hue * 2 * Math.PI, c = Math.cos(th), s = Math.sin(th);
  const sat = p.grey ? 0 : p.saturation;
  const a: number[] = [];
  for (let o = 0; o < 3; o++) {
    for (let k = 0; k < 3; k++) {
      const ii = sat * (c * I_ROW[k] - s * Q_ROW[k]), qq = sat * (s * I_ROW[k] + c * Q_ROW[k]);
      a.push(LUMA_WEIGHTS[k] + I_COL[o] * ii + Q_COL[o] * qq);
    }
  }
  return a;
}

/** `m·a + (1 − m)·b` for a 0/1 mask broadcast over the batch (exact: no rounding of the kept term). */
function choose(m: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(m, a), tf.mul(tf.sub(1, m), b));
}

/** Colour jitter: clamp(A·rgb·(b·c) + meanY·b·(1 − c)) per image; identity where `color` is null. */
function colourStep(x: tf.Tensor4D, draws: readonly AugmentDraw[]): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const mats = new Float32Array(n * 9), gain = new Float32Array(n), keep = new Float32Array(n);
  draws.forEach((d, i) => {
    const p = d.color;
    const a = p ? colorMatrix(p) : [1, 0, 0, 0, 1, 0, 0, 0, 1];
    // out = x · Aᵀ: store Aᵀ
    for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) mats[i * 9 + k * 3 + r] = a[r * 3 + k];
    gain[i] = p ? p.brightness * p.contrast : 1;
    keep[i] = p ? p.brightness * (1 - p.contrast) : 0;
  });
  const meanY = tf.mean(lumaBatch(x), [1, 2, 3], true); // [n, 1, 1, 1]
  const flat = tf.reshape(tf.mul(x, tf.reshape(tf.tensor1d(gain), [n, 1, 1, 1])), [n, h * w, 3]) as tf.Tensor3D;
  const rotated = tf.reshape(tf.matMul(flat, tf.tensor3d(mats, [n, 3, 3])), [n, h, w, 3]);
  return tf.clipByValue(
    tf.add(rotated, tf.mul(meanY, tf.reshape(tf.tensor1d(keep), [n, 1, 1, 1]))),
    0,
    1,
  ) as tf.Tensor4D;
}

/**
 * Tone curves `v + a1·sin πv + a2·sin 2πv` per image and channel: the curve itself, where the host
 * interpolates a 256-knot table of it (they differ by less than 1e-4).
 */
function curveStep(x: tf.Tensor4D, tones: readonly (ToneDraw | undefined)[]): tf.Tensor4D {
  const n = x.shape[0];
  const a1 = new Float32Array(n * 3), a2 = new Float32Array(n * 3);
  tones.forEach((t, i) => {
    t?.curves?.forEach((c, ch) => {
      a1[i * 3 + ch] = c.a1;
      a2[i * 3 + ch] = c.a2;
    });
  });
  const v = tf.clipByValue(x, 0, 1);
  const y = tf.add(
    v,
    tf.add(
      tf.mul(tf.tensor4d(a1, [n, 1, 1, 3]), tf.sin(tf.mul(v, Math.PI))),
      tf.mul(tf.tensor4d(a2, [n, 1, 1, 3]), tf.sin(tf.mul(v, 2 * Math.PI))),
    ),
  );
  return tf.clipByValue(y, 0, 1) as tf.Tensor4D;
}

/** Luma-dependent chroma: y + (rgb − y)·exp(β(2y − 1)) per image, clamped. */
function chromaStep(x: tf.Tensor4D, tones: readonly (ToneDraw | undefined)[]): tf.Tensor4D {
  const n = x.shape[0];
  const beta = tf.tensor4d(Float32Array.from(tones, (t) => t?.beta ?? 0), [n, 1, 1, 1]);
  const y = lumaBatch(x);
  const k = tf.exp(tf.mul(beta, tf.sub(tf.mul(y, 2), 1)));
  return tf.clipByValue(tf.add(y, tf.mul(tf.sub(x, y), k)), 0, 1) as tf.Tensor4D;
}

/**
 * Mean colour of each image's pixels at or above its 90th-percentile luma (`backgroundColour` of
 * `../tone.ts`): [B, 1, 1, 3].
 */
function backgroundStep(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const count = h * w;
  return meanOfBrightest(x, tf.reshape(lumaBatch(x), [n, count]), count - Math.floor(count * 0.9));
}

/** For one axis of one image: each output pixel's two source taps, the second's weight, and whether it is inside. */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  t: Float32Array;
  inside: Float32Array;
}

/**
 * The taps of one axis of length `len`: `(start, step)` maps output pixel j to source position
 * `start + (j + ½)·step − ½` (clamped to the axis), as the host's bilinear `cropResize`/`zoomOut`
 * sample; `[lo, hi)` bounds the inside (a zoom-out's placed field) and `flip` reads the axis
 * reversed (the dihedral's flip, applied before the zoom on the host).
 */
function axisTaps(len: number, start: number, step: number, lo: number, hi: number, flip: boolean): AxisTaps {
  const out: AxisTaps = {
    i0: new Int32Array(len),
    i1: new Int32Array(len),
    t: new Float32Array(len),
    inside: new Float32Array(len),
  };
  for (let j = 0; j < len; j++) {
    const f = Math.min(len - 1, Math.max(0, start + (j + 0.5) * step - 0.5));
    const a = Math.floor(f), b = Math.min(len - 1, a + 1);
    out.i0[j] = flip ? len - 1 - a : a;
    out.i1[j] = flip ? len - 1 - b : b;
    out.t[j] = f - a;
    out.inside[j] = j + 0.5 >= lo && j + 0.5 < hi ? 1 : 0;
  }
  return out;
}

/** Rows and columns taps of one image: flips and zoom. */
function imageTaps(len: number, d: AugmentDraw): { rows: AxisTaps; cols: AxisTaps } {
  const flipY = (d.dihedral & 2) !== 0, flipX = (d.dihedral & 1) !== 0;
  const z = d.tone?.zoom ?? null;
  if (z?.kind === "out") {
    // output j reads (j + ½ − x)/scale − ½ inside [x, x + len·scale)
    const s = 1 / z.scale;
    return {
      rows: axisTaps(len, -z.y * s, s, z.y, z.y + len * z.scale, flipY),
      cols: axisTaps(len, -z.x * s, s, z.x, z.x + len * z.scale, flipX),
    };
  }
  if (z?.kind === "in") {
    const win = z.window;
    return {
      rows: axisTaps(len, win.y, win.height / len, -Infinity, Infinity, flipY),
      cols: axisTaps(len, win.x, win.width / len, -Infinity, Infinity, flipX),
    };
  }
  return {
    rows: axisTaps(len, 0, 1, -Infinity, Infinity, flipY),
    cols: axisTaps(len, 0, 1, -Infinity, Infinity, flipX),
  };
}

/**
 * Resamples axis 1 of `x` ([n, len, rest…] flattened to [n·len, rest]) with each image's taps:
 * row j of image i = (1 − t)·row i0 + t·row i1 (0 outside), by two gathers over the whole batch.
 */
function resampleAxis(x: tf.Tensor2D, taps: readonly AxisTaps[], len: number): tf.Tensor2D {
  const n = taps.length;
  const i0 = new Int32Array(n * len), i1 = new Int32Array(n * len);
  const w0 = new Float32Array(n * len), w1 = new Float32Array(n * len);
  taps.forEach((a, i) => {
    for (let j = 0; j < len; j++) {
      const o = i * len + j;
      i0[o] = i * len + a.i0[j];
      i1[o] = i * len + a.i1[j];
      w0[o] = (1 - a.t[j]) * a.inside[j];
      w1[o] = a.t[j] * a.inside[j];
    }
  });
  const rows = (idx: Int32Array, w: Float32Array) =>
    tf.mul(tf.gather(x, tf.tensor1d(idx, "int32")), tf.tensor2d(w, [n * len, 1]));
  return tf.add(rows(i0, w0), rows(i1, w1));
}

/** Flips and zoom as one resampling per axis, plus the canvas where a zoom-out leaves the field. */
function geometryStep(x: tf.Tensor4D, draws: readonly AugmentDraw[]): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const taps = draws.map((d) => imageTaps(h, d));
  // rows: [n·h, w·3]; then columns: transposed to [n·w, h·3], resampled, transposed back
  const byRows = tf.reshape(resampleAxis(tf.reshape(x, [n * h, w * 3]), taps.map((t) => t.rows), h), [n, h, w, 3]);
  const cols = tf.reshape(tf.transpose(byRows, [0, 2, 1, 3]), [n * w, h * 3]) as tf.Tensor2D;
  const resampled = tf.transpose(
    tf.reshape(resampleAxis(cols, taps.map((t) => t.cols), w), [n, w, h, 3]),
    [0, 2, 1, 3],
  ) as tf.Tensor4D;
  if (!draws.some((d) => d.tone?.zoom?.kind === "out")) return resampled;
  const inside = new Float32Array(n * h * w);
  taps.forEach((t, i) => {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) inside[(i * h + y) * w + xx] = t.rows.inside[y] * t.cols.inside[xx];
    }
  });
  const canvas = tf.sub(1, tf.tensor4d(inside, [n, h, w, 1]));
  return tf.add(resampled, tf.mul(canvas, backgroundStep(x))) as tf.Tensor4D;
}

/**
 * The batch `x` ([B, S, S, 3], RGB in [0, 1], square images) with each image's drawn augmentation
 * applied on the tfjs backend: what {@link applyAugment} gives each image on the host, to float
 * rounding. Does not dispose `x`. Throws on a draw of a host-only family.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * // 1×2×2: flipped left-right (dihedral code 1), colours untouched
 * const x = tf.tensor4d([0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8], [1, 2, 2, 3]);
 * const out = augmentBatch(x, [{ dihedral: 1, color: null }]);
 * assert.deepEqual(Array.from(out.dataSync()).map((v) => v.toFixed(1)).filter((_, i) => i % 3 === 0), ["0.9", "0.1", "0.8", "0.2"]);
 * tf.dispose([x, out]);
 * ```
 */
export function augmentBatch(x: tf.Tensor4D, draws: readonly AugmentDraw[]): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (draws.length !== n) throw new RangeError(`augmentBatch: ${draws.length} draws for a batch of ${n}`);
  if (h !== w) throw new RangeError(`augmentBatch: square images only, got ${h}×${w}`);
  for (const d of draws) {
    if (d.hsv || d.acquisition) throw new Error("augmentBatch: HSV and acquisition jitter have no device version");
  }
  return tf.tidy(() => {
    const tMask = tf.tensor4d(Float32Array.from(draws, (d) => (d.dihedral & 4) !== 0 ? 1 : 0), [n, 1, 1, 1]);
    let y = draws.some((d) => (d.dihedral & 4) !== 0)
      ? choose(tMask, tf.transpose(x, [0, 2, 1, 3]), x) as tf.Tensor4D
      : tf.clone(x);
    if (draws.some((d) => d.color)) y = colourStep(y, draws);
    const tones = draws.map((d) => d.tone);
    if (tones.some((t) => t?.curves)) y = curveStep(y, tones);
    if (tones.some((t) => t && t.beta !== 0)) y = chromaStep(y, tones);
    return geometryStep(y, draws);
  });
}
