/**
 * Gradient kernels of the depthwise convolution for the TensorFlow.js wasm backend, which has the
 * forward `DepthwiseConv2dNative` (XNNPACK) but neither `DepthwiseConv2dNativeBackpropInput` nor
 * `DepthwiseConv2dNativeBackpropFilter`, so MobileNet-style networks (the pretrained backbones of
 * `scripts/lib/models/pretrained.ts`) could not train on it. Both are compositions of ops the
 * backend has (NHWC, channel multiplier 1, no dilation — what MobileNetV2 uses):
 *
 * - input gradient: `dy` dilated by the stride (zeros between its pixels), then a stride-1
 *   depthwise conv with the spatially flipped filter, padded or cropped to the input's size;
 * - filter gradient: one pass over `dy` in plain TypeScript, every tap of every output pixel
 *   with the channels innermost (contiguous in both tensors); the composed version (a strided slice
 *   per tap) took 10× longer on wasm, whose StridedSlice is generic.
 *
 * Kernels nested inside a kernel are not recorded on the gradient tape, so the composed ops are
 * invisible to autodiff.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { replaceKernel } from "./replace_kernel.ts";

type Info = tf.TensorInfo;

/** Attributes tfjs passes to both depthwise backprop kernels. */
interface DepthwiseBackpropAttrs {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

/** A kernel input as a Tensor (its refcount raised when wrapped, so `release` frees nothing of the caller's). */
function asTensor<R extends tf.Rank>(info: Info, backend: tf.KernelBackend): { t: tf.Tensor<R>; release: () => void } {
  if (info instanceof tf.Tensor) return { t: info as tf.Tensor<R>, release: () => {} };
  const t = tf.engine().makeTensorFromTensorInfo(info, backend) as tf.Tensor<R>;
  (backend as unknown as { incRef(id: object): void }).incRef(info.dataId);
  return { t, release: () => t.dispose() };
}

/** The forward pass's geometry (output size and padding), as tfjs computes it. */
function geometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  a: DepthwiseBackpropAttrs,
): tf.backend_util.Conv2DInfo {
  const d = typeof a.dilations === "number" ? [a.dilations, a.dilations] : a.dilations;
  if (d[0] !== 1 || d[1] !== 1) throw new Error("depthwise conv gradient: dilations other than 1 are not supported");
  if (filterShape[3] !== 1) {
    throw new Error(`depthwise conv gradient: channel multiplier ${filterShape[3]} is not supported (only 1)`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

/** `dy` [n, ho, wo, c] with stride − 1 zeros after each pixel in both directions, trailing ones cut. */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, ho, wo, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [
    0,
    0,
  ]]);
  const flat = tf.reshape(spread, [n, ho * sh, wo * sw, c]) as tf.Tensor4D;
  return tf.slice(flat, [0, 0, 0, 0], [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, c]);
}

/** Pads (positive) or crops (negative) the spatial borders of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let y = x;
  const [n, h, w, c] = y.shape;
  const ct = Math.max(0, -top), cb = Math.max(0, -bottom), cl = Math.max(0, -left), cr = Math.max(0, -right);
  if (ct || cb || cl || cr) y = tf.slice(y, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
  const pt = Math.max(0, top), pb = Math.max(0, bottom), pl = Math.max(0, left), pr = Math.max(0, right);
  if (pt || pb || pl || pr) y = tf.pad(y, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  return y;
}

/**
 * The input gradient of a depthwise conv: dx[i] = Σ_k dyDilated[i + pad − k] · f[k], i.e. a stride-1
 * depthwise conv of the dilated `dy`, padded by kh − 1 − pad before, with the flipped filter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const x = tf.randomNormal([2, 7, 6, 3], 0, 1, "float32", 1) as tf.Tensor4D;
 * const f = tf.randomNormal([3, 3, 3, 1], 0, 1, "float32", 2) as tf.Tensor4D;
 * const loss = (v: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(v as tf.Tensor4D, f, 2, "same")));
 * const dy = tf.mul(2, tf.depthwiseConv2d(x, f, 2, "same")) as tf.Tensor4D;
 * const ours = depthwiseInputGrad(x.shape, dy, f, { strides: 2, dilations: 1, pad: "same" });
 * assert.ok(tf.max(tf.abs(tf.sub(ours, tf.grad(loss)(x)))).dataSync()[0] < 1e-4);
 * ```
 */
export function depthwiseInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  a: DepthwiseBackpropAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = geometry(inputShape, filter.shape, a);
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const { top, left } = info.padInfo;
    const d = dilate(dy, info.strideHeight, info.strideWidth);
    const before = [kh - 1 - top, kw - 1 - left];
    // the padded dilated dy must be exactly in + k − 1 long for a valid stride-1 conv to give `in`
    const after = [
      inputShape[1] + kh - 1 - before[0] - d.shape[1],
      inputShape[2] + kw - 1 - before[1] - d.shape[2],
    ];
    const padded = padOrCrop(d, before[0], after[0], before[1], after[1]);
    const flipped = tf.reverse(filter, [0, 1]) as tf.Tensor4D;
    return tf.depthwiseConv2d(padded, flipped, 1, "valid");
  });
}

/**
 * The filter gradient of a depthwise conv: df[kh, kw, c] = Σ_{n, o} x[n, o·s + k − pad, c] · dy[n, o, c]
 * (taps that fall in the padding add nothing), accumulated in float64.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const x = tf.randomNormal([2, 7, 6, 3], 0, 1, "float32", 1) as tf.Tensor4D;
 * const f = tf.randomNormal([3, 3, 3, 1], 0, 1, "float32", 2) as tf.Tensor4D;
 * const loss = (v: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(x, v as tf.Tensor4D, 2, "same")));
 * const dy = tf.mul(2, tf.depthwiseConv2d(x, f, 2, "same")) as tf.Tensor4D;
 * const ours = depthwiseFilterGrad(x, dy, f.shape, { strides: 2, dilations: 1, pad: "same" });
 * assert.ok(tf.max(tf.abs(tf.sub(ours, tf.grad(loss)(f)))).dataSync()[0] < 1e-3);
 * ```
 */
export function depthwiseFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  a: DepthwiseBackpropAttrs,
): tf.Tensor4D {
  const info = geometry(x.shape, filterShape, a);
  const { top, left } = info.padInfo;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [n, h, w, c] = x.shape;
  const [ho, wo] = [info.outHeight, info.outWidth];
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  if (dy.shape[1] !== ho || dy.shape[2] !== wo || dy.shape[3] !== c) {
    throw new Error(`depthwise filter gradient: dy is [${dy.shape}], expected [${n},${ho},${wo},${c}]`);
  }
  // one pass over dy: every tap of every output pixel, channels innermost (contiguous in x and dy)
  const xs = x.dataSync() as Float32Array, ds = dy.dataSync() as Float32Array;
  const out = new Float64Array(kh * kw * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const d0 = ((b * ho + oy) * wo + ox) * c;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh + i - top;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw + j - left;
            if (ix < 0 || ix >= w) continue;
            const x0 = ((b * h + iy) * w + ix) * c, o0 = (i * kw + j) * c;
            for (let ch = 0; ch < c; ch++) out[o0 + ch] += xs[x0 + ch] * ds[d0 + ch];
          }
        }
      }
    }
  }
  return tf.tensor4d(Float32Array.from(out), [kh, kw, c, 1]);
}

let registered = false;

/**
 * Registers both depthwise gradient kernels on `backendName` (the wasm backend by default; once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import "@tensorflow/tfjs-backend-wasm";
 * assert.equal(tf.getKernel("DepthwiseConv2dNativeBackpropFilter", "wasm"), undefined); // the backend lacks it
 * registerDepthwiseGradKernels();
 * assert.ok(tf.getKernel("DepthwiseConv2dNativeBackpropFilter", "wasm"));
 * assert.ok(tf.getKernel("DepthwiseConv2dNativeBackpropInput", "wasm"));
 * ```
 */
export function registerDepthwiseGradKernels(backendName = "wasm"): void {
  if (registered && backendName === "wasm") return;
  if (backendName === "wasm") registered = true;
  replaceKernel({
    kernelName: "DepthwiseConv2dNativeBackpropInput",
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as DepthwiseBackpropAttrs;
      const dy = asTensor<tf.Rank.R4>(inputs.dy as Info, backend as tf.KernelBackend);
      const filter = asTensor<tf.Rank.R4>(inputs.filter as Info, backend as tf.KernelBackend);
      const out = depthwiseInputGrad(a.inputShape!, dy.t, filter.t, a);
      dy.release();
      filter.release();
      return out;
    },
  });
  replaceKernel({
    kernelName: "DepthwiseConv2dNativeBackpropFilter",
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as DepthwiseBackpropAttrs;
      const x = asTensor<tf.Rank.R4>(inputs.x as Info, backend as tf.KernelBackend);
      const dy = asTensor<tf.Rank.R4>(inputs.dy as Info, backend as tf.KernelBackend);
      const out = depthwiseFilterGrad(x.t, dy.t, a.filterShape!, a);
      x.release();
      dy.release();
      return out;
    },
  });
}
