/**
 * Training kernels for the TensorFlow.js wasm backend.
 *
 * The wasm backend has no `Conv2DBackpropFilter` (so no conv training at all) and its
 * `Conv2DBackpropInput` is a plain loop. Both are registered here, by SIMD kernels of ours where
 * they load and help, otherwise as compositions of the XNNPACK-backed `Conv2D` plus cheap data
 * movement (pad, slice, reshape, transpose, reverse):
 *
 * - filter gradient: our own wasm SIMD kernel (`simd_conv_grad.ts`, about 2× faster) where it
 *   loads, else a conv of the transposed input (`[Ci,H,W,N]`) with the transposed output gradient
 *   (`[Ho,Wo,N,Co]`) as the filter, dilated by the stride;
 * - input gradient: a stride-1 conv of `dy` with the spatially flipped, in/out-swapped filter;
 *   strided convs by our SIMD kernel where it loads, else by phases (one stride-1 conv per output
 *   phase, interleaved; equal strides) or by zero-inserting `dy` (unequal ones).
 *
 * `TFJS_WASM_CONV_GRAD=ops` turns our kernels off (for comparison).
 *
 * Kernels nested inside a kernel are not recorded on the gradient tape, so the composed ops
 * are invisible to autodiff.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { isInputGradientSkipped } from "./input_grad_skip.ts";
import { replaceKernel } from "./replace_kernel.ts";
import { registerWasmBatchNormKernels } from "./batch_norm_kernels.ts";
import { registerDepthwiseGradKernels } from "./depthwise_grad.ts";
import { type ConvGradShape, loadSimdConvGrad, type SimdConvGrad } from "./simd_conv_grad.ts";
import type { WasmHeapBackend } from "./wasm_heap.ts";

type Info = tf.TensorInfo;

/** Attributes tfjs passes to the conv backprop kernels (NHWC only). */
interface ConvBackpropAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

/**
 * A kernel input as a Tensor without copying. Ops pass Tensors already; a bare TensorInfo is
 * wrapped with its backend refcount raised, so `release` never frees the caller's data.
 */
function asTensor<R extends tf.Rank>(
  info: Info,
  backend: tf.KernelBackend,
): { t: tf.Tensor<R>; release: () => void } {
  if (info instanceof tf.Tensor) return { t: info as tf.Tensor<R>, release: () => {} };
  const t = tf.engine().makeTensorFromTensorInfo(info, backend) as tf.Tensor<R>;
  (backend as unknown as { incRef(id: object): void }).incRef(info.dataId);
  return { t, release: () => t.dispose() };
}

/** Pads (positive) or crops (negative) the two spatial dims of an NHWC tensor. */
function padOrCrop4d(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let y = x;
  const cropT = Math.max(0, -top), cropB = Math.max(0, -bottom);
  const cropL = Math.max(0, -left), cropR = Math.max(0, -right);
  if (cropT || cropB || cropL || cropR) {
    const [n, h, w, c] = y.shape;
    y = tf.slice(y, [0, cropT, cropL, 0], [n, h - cropT - cropB, w - cropL - cropR, c]);
  }
  const pT = Math.max(0, top), pB = Math.max(0, bottom), pL = Math.max(0, left), pR = Math.max(0, right);
  if (pT || pB || pL || pR) y = tf.pad(y, [[0, 0], [pT, pB], [pL, pR], [0, 0]]);
  return y;
}

/**
 * Stride-1 conv of `x` padded (positive) or cropped (negative) on its spatial borders. Padding is
 * passed to the conv itself as explicit padding (no padded copy); only crops cost a slice.
 */
function convPadded(
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
  dilation: [number, number] = [1, 1],
): tf.Tensor4D {
  const cropped = padOrCrop4d(x, Math.min(0, top), Math.min(0, bottom), Math.min(0, left), Math.min(0, right));
  const pT = Math.max(0, top), pB = Math.max(0, bottom), pL = Math.max(0, left), pR = Math.max(0, right);
  const pad = pT || pB || pL || pR ? [[0, 0], [pT, pB], [pL, pR], [0, 0]] as tf.backend_util.ExplicitPadding : "valid";
  return tf.conv2d(cropped, f, 1, pad, "NHWC", dilation);
}

/** W'[a,b,co,ci] = W[kh-1-a, kw-1-b, ci, co], built in JS (filters are small; wasm Reverse is slow). */
function flipSwapFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const src = filter.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const so = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co, d = (a * kw + b) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[d + o * ci + i] = src[so + i * co + o];
    }
  }
  return tf.tensor4d(out, [kh, kw, co, ci]);
}

function convInfoFor(xShape: number[], filterShape: number[], attrs: ConvBackpropAttrs) {
  if (attrs.dataFormat === "NCHW") {
    throw new Error("wasm conv backprop kernels support NHWC only; build the model channels-last");
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/**
 * Gradient of a 2-D convolution with respect to its filter, NHWC. Pure tensor function
 * (also usable on any backend).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const x = tf.randomNormal([2, 9, 9, 4], 0, 1, "float32", 1) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 4, 8], 0, 1, "float32", 2) as tf.Tensor4D;
 * const dy = tf.randomNormal([2, 5, 5, 8], 0, 1, "float32", 3) as tf.Tensor4D; // conv2d(x, w, 2, "same") is 2×5×5×8
 * const dw = conv2dFilterGrad(x, dy, [3, 3, 4, 8], 2, "same");
 * const ref = tf.grad((f) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 2, "same"), dy)))(w); // tfjs's own gradient
 * assert.deepEqual(dw.shape, [3, 3, 4, 8]);
 * assert.ok(tf.max(tf.abs(tf.sub(dw, ref))).dataSync()[0] < 1e-3);
 * ```
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: ConvBackpropAttrs["pad"],
  dimRoundingMode?: ConvBackpropAttrs["dimRoundingMode"],
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfoFor(x.shape, filterShape, { strides, pad, dataFormat: "NHWC", dimRoundingMode });
    const [kh, kw] = filterShape;
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, padInfo } = info;
    const needH = (ho - 1) * sh + kh, needW = (wo - 1) * sw + kw;
    const [, h, w] = x.shape;
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, N]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
    const dil: [number, number] = ho === 1 && wo === 1 ? [1, 1] : [sh, sw];
    const out = convPadded(xt, dyt, padInfo.top, needH - h - padInfo.top, padInfo.left, needW - w - padInfo.left, dil); // [Ci, kh, kw, Co]
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * Gradient of a 2-D convolution with respect to its input, NHWC. Pure tensor function.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const x = tf.randomNormal([2, 9, 9, 4], 0, 1, "float32", 1) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 4, 8], 0, 1, "float32", 2) as tf.Tensor4D;
 * const dy = tf.randomNormal([2, 5, 5, 8], 0, 1, "float32", 3) as tf.Tensor4D;
 * const dx = conv2dInputGrad([2, 9, 9, 4], dy, w, 2, "same");
 * const ref = tf.grad((input) => tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, w, 2, "same"), dy)))(x);
 * assert.deepEqual(dx.shape, [2, 9, 9, 4]);
 * assert.ok(tf.max(tf.abs(tf.sub(dx, ref))).dataSync()[0] < 1e-3);
 * ```
 */
export function conv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  pad: ConvBackpropAttrs["pad"],
  dimRoundingMode?: ConvBackpropAttrs["dimRoundingMode"],
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfoFor(inputShape, filter.shape, { strides, pad, dataFormat: "NHWC", dimRoundingMode });
    const [kh, kw, ci, co] = filter.shape;
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, padInfo } = info;
    const [n, h, w] = inputShape;
    if (isInputGradientSkipped(ci)) return tf.zeros(inputShape);
    if (sh > 1 && sh === sw) return polyphaseInputGrad(inputShape, dy, filter, sh, padInfo.top, padInfo.left);
    let d: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      // unequal strides: zero-insertion
      const d6 = tf.reshape(dy, [n, ho, 1, wo, 1, co]);
      const p6 = tf.pad(d6, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      d = tf.reshape(p6, [n, ho * sh, wo * sw, co]);
    }
    const top = kh - 1 - padInfo.top, left = kw - 1 - padInfo.left;
    const dh = d.shape[1], dw = d.shape[2];
    const out = convPadded(d, flipSwapFilter(filter), top, h + kh - 1 - dh - top, left, w + kw - 1 - dw - left);
    if (out.shape[3] !== ci || out.shape[0] !== n) throw new Error("conv2dInputGrad: shape mismatch (bug)");
    return out;
  });
}

/** Kernel taps of one output phase along one axis: dx[s·m+p] = Σ_j dy[m + oMin + j]·W[taps[j]]. */
function phaseTaps(p: number, pad: number, s: number, k: number): { oMin: number; taps: number[] } {
  const taps: number[] = [];
  let oMin = 0;
  for (let t = k - 1; t >= 0; t--) {
    if ((((p + pad - t) % s) + s) % s === 0) {
      if (taps.length === 0) oMin = (p + pad - t) / s;
      taps.push(t);
    }
  }
  return { oMin, taps };
}

/**
 * Strided input gradient by phases: each of the s² output phases is a stride-1 conv of `dy` with
 * the sub-kernel of the taps that reach it; the phases are interleaved in JS. Does the forward
 * conv's multiply-adds (zero-insertion would do s² times more).
 */
function polyphaseInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  s: number,
  padTop: number,
  padLeft: number,
): tf.Tensor4D {
  const [n, h, w, ci] = inputShape;
  const [kh, kw, , co] = filter.shape;
  const [, ho, wo] = dy.shape;
  const hp = Math.ceil(h / s), wp = Math.ceil(w / s);
  const src = filter.dataSync() as Float32Array;
  // interleave in JS: wasm's DepthToSpace/Concat move 16-float chunks slowly (measured 4x the convs)
  const out = new Float32Array(n * h * w * ci);
  for (let py = 0; py < s; py++) {
    const ty = phaseTaps(py, padTop, s, kh);
    for (let px = 0; px < s; px++) {
      const tx = phaseTaps(px, padLeft, s, kw);
      if (ty.taps.length === 0 || tx.taps.length === 0) continue; // this phase gets no gradient
      // K[a,b,co,ci] = W[ty.taps[a], tx.taps[b], ci, co]
      const ta = ty.taps.length, tb = tx.taps.length;
      const k = new Float32Array(ta * tb * co * ci);
      for (let a = 0; a < ta; a++) {
        for (let b = 0; b < tb; b++) {
          const so = (ty.taps[a] * kw + tx.taps[b]) * ci * co, d = (a * tb + b) * co * ci;
          for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) k[d + o * ci + i] = src[so + i * co + o];
        }
      }
      const top = -ty.oMin, left = -tx.oMin;
      const phase = tf.tidy(() => {
        const sub = tf.tensor4d(k, [ta, tb, co, ci]);
        return convPadded(dy, sub, top, hp + ta - 1 - ho - top, left, wp + tb - 1 - wo - left);
      });
      const p = phase.dataSync() as Float32Array;
      phase.dispose();
      for (let b = 0; b < n; b++) {
        for (let m = 0; m < hp; m++) {
          const y = m * s + py;
          if (y >= h) break;
          for (let q = 0; q < wp; q++) {
            const x = q * s + px;
            if (x >= w) break;
            const so = ((b * hp + m) * wp + q) * ci, d = ((b * h + y) * w + x) * ci;
            for (let c = 0; c < ci; c++) out[d + c] = p[so + c];
          }
        }
      }
    }
  }
  return tf.tensor4d(out, inputShape);
}

/**
 * `Conv2DBackpropFilter` as a kernel function on any backend, computed by {@link conv2dFilterGrad}
 * (a forward conv of transposed tensors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { replaceKernel } from "./replace_kernel.ts";
 * await tf.setBackend("cpu"); // any backend; registerWasmTrainingKernels uses it on "wasm" as the fallback
 * const x = tf.randomNormal([1, 6, 6, 2], 0, 1, "float32", 1) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 2, 3], 0, 1, "float32", 2) as tf.Tensor4D;
 * const loss = (f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 1, "same")));
 * const stock = tf.grad(loss)(w);
 * replaceKernel({ kernelName: "Conv2DBackpropFilter", backendName: "cpu", kernelFunc: filterGradByConv });
 * assert.ok(tf.max(tf.abs(tf.sub(tf.grad(loss)(w), stock))).dataSync()[0] < 1e-3);
 * ```
 */
export const filterGradByConv: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const a = attrs as unknown as ConvBackpropAttrs;
  const x = asTensor<tf.Rank.R4>(inputs.x as Info, backend as tf.KernelBackend);
  const dy = asTensor<tf.Rank.R4>(inputs.dy as Info, backend as tf.KernelBackend);
  const out = conv2dFilterGrad(x.t, dy.t, a.filterShape!, a.strides, a.pad, a.dimRoundingMode);
  x.release();
  dy.release();
  return out;
};

/** Our SIMD kernels, unless unavailable or turned off by `TFJS_WASM_CONV_GRAD=ops`. */
function simdKernels(): SimdConvGrad | null {
  return process.env.TFJS_WASM_CONV_GRAD === "ops" ? null : loadSimdConvGrad();
}

/**
 * Runs one of our SIMD kernels on `inputs` read straight from tfjs's heap, writing its result
 * into a new heap tensor of `outShape`. Null where the composed path must run instead: no kernel,
 * NCHW, dilations, non-float inputs, or a kernel that refused (its memory could not grow, a filter
 * too large).
 */
function viaSimd(
  backend: unknown,
  a: ConvBackpropAttrs,
  xShape: number[],
  filterShape: number[],
  inputs: Info[],
  outShape: number[],
  compute: (kernel: SimdConvGrad, views: Float32Array[], shape: ConvGradShape, out: Float32Array) => void,
): Info | null {
  const kernel = simdKernels();
  if (!kernel || a.dataFormat === "NCHW" || inputs.some((t) => t.dtype !== "float32")) return null;
  const info = convInfoFor(xShape, filterShape, a);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const b = backend as WasmHeapBackend;
  // the output first: making it may grow the heap, which would detach earlier views
  const out = b.makeOutput([...outShape], "float32");
  try {
    compute(kernel, inputs.map((t) => b.typedArrayFromHeap(t)), {
      x: xShape as [number, number, number, number],
      dy: [xShape[0], info.outHeight, info.outWidth, info.outChannels],
      kh: info.filterHeight,
      kw: info.filterWidth,
      strideH: info.strideHeight,
      strideW: info.strideWidth,
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
    }, b.typedArrayFromHeap(out));
  } catch (err) {
    b.disposeData(out.dataId);
    if (err instanceof RangeError) return null;
    throw err;
  }
  return out;
}

/**
 * `Conv2DBackpropFilter` for the wasm backend: our SIMD kernel where it runs ({@link viaSimd}),
 * else {@link filterGradByConv}.
 */
const filterGradBySimd: tf.KernelFunc = (args) => {
  const a = args.attrs as unknown as ConvBackpropAttrs;
  const x = args.inputs.x as Info, dy = args.inputs.dy as Info;
  return viaSimd(
    args.backend,
    a,
    x.shape,
    a.filterShape!,
    [x, dy],
    a.filterShape!,
    (k, [xv, dyv], shape, out) => k.filterGrad(xv, dyv, shape, out),
  ) ?? filterGradByConv(args);
};

/**
 * The input gradient of a strided conv by our SIMD kernel; null where the composed path should run
 * (stride 1: XNNPACK's conv is as fast; the image's skipped gradient; see {@link viaSimd}).
 */
function inputGradBySimd(dy: Info, filter: Info, a: ConvBackpropAttrs, backend: unknown): Info | null {
  const xShape = a.inputShape!;
  if (isInputGradientSkipped(xShape[3])) return null;
  const [sh, sw] = typeof a.strides === "number" ? [a.strides, a.strides] : a.strides;
  if (sh === 1 && sw === 1) return null;
  return viaSimd(
    backend,
    a,
    xShape,
    filter.shape,
    [dy, filter],
    xShape,
    (k, [dyv, wv], shape, out) => k.inputGrad(dyv, wv, shape, out),
  );
}

let registered = false;

/**
 * Registers `Conv2DBackpropFilter`, a faster `Conv2DBackpropInput` and the fused batch-norm
 * kernels (`batch_norm_kernels.ts`) on the `wasm` backend (idempotent). Call before the first training step; `selectBackend("wasm")` does it for you.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import "@tensorflow/tfjs-backend-wasm"; // the backend and its own kernels first
 * import { selectBackend } from "./backend.ts";
 * const stock = tf.getKernel("Conv2DBackpropInput", "wasm");
 * registerWasmTrainingKernels(); // before the first training step
 * assert.notEqual(tf.getKernel("Conv2DBackpropInput", "wasm")?.kernelFunc, stock?.kernelFunc); // replaced
 * assert.equal(await selectBackend("wasm"), "wasm"); // (selectBackend("wasm") registers them itself)
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  registerWasmBatchNormKernels();
  registerDepthwiseGradKernels();
  replaceKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: filterGradBySimd });
  replaceKernel({
    kernelName: "Conv2DBackpropInput",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvBackpropAttrs;
      const bySimd = inputGradBySimd(inputs.dy as Info, inputs.filter as Info, a, backend);
      if (bySimd) return bySimd;
      const dy = asTensor<tf.Rank.R4>(inputs.dy as Info, backend as tf.KernelBackend);
      const filter = asTensor<tf.Rank.R4>(inputs.filter as Info, backend as tf.KernelBackend);
      const out = conv2dInputGrad(a.inputShape!, dy.t, filter.t, a.strides, a.pad, a.dimRoundingMode);
      dy.release();
      filter.release();
      return out;
    },
  });
}
