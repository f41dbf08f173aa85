/**
 * Training kernels for the TensorFlow.js wasm backend, built from kernels it already has.
 *
 * The wasm backend has no `Conv2DBackpropFilter` (so no conv training at all) and its
 * `Conv2DBackpropInput` is a plain loop. Both are registered here as compositions of the
 * XNNPACK-backed `Conv2D` plus cheap data movement (pad, slice, reshape, transpose, reverse):
 *
 * - filter gradient: a conv of the transposed input (`[Ci,H,W,N]`) with the transposed output
 *   gradient (`[Ho,Wo,N,Co]`) as the filter, dilated by the stride;
 * - input gradient: zero-insert `dy` by the stride, pad, then a stride-1 conv with the
 *   spatially flipped, in/out-swapped filter.
 *
 * Kernels nested inside a kernel are not recorded on the gradient tape, so the composed ops
 * are invisible to autodiff.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

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
function asTensor<R extends tf.Rank>(info: Info, backend: tf.KernelBackend): { t: tf.Tensor<R>; release: () => void } {
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
 * const dw = conv2dFilterGrad(x, dy, [3, 3, 16, 32], 2, "same"); // [3,3,16,32]
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
    const xp = padOrCrop4d(x, padInfo.top, needH - h - padInfo.top, padInfo.left, needW - w - padInfo.left);
    const xt = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, needH, needW, N]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
    let out: tf.Tensor4D;
    if (ho === 1 && wo === 1) {
      out = tf.conv2d(xt, dyt, 1, "valid");
    } else {
      out = tf.conv2d(xt, dyt, 1, "valid", "NHWC", [sh, sw]); // [Ci, kh, kw, Co]
    }
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * Gradient of a 2-D convolution with respect to its input, NHWC. Pure tensor function.
 *
 * @example
 * ```ts
 * const dx = conv2dInputGrad([8, 15, 15, 16], dy, w, 2, "same"); // [8,15,15,16]
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
    let d: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      // zero-insertion (measured faster on wasm than a 4-phase decomposition with depthToSpace)
      const d6 = tf.reshape(dy, [n, ho, 1, wo, 1, co]);
      const p6 = tf.pad(d6, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      d = tf.reshape(p6, [n, ho * sh, wo * sw, co]);
    }
    const top = kh - 1 - padInfo.top, left = kw - 1 - padInfo.left;
    const dh = d.shape[1], dw = d.shape[2];
    const dp = padOrCrop4d(d, top, h + kh - 1 - dh - top, left, w + kw - 1 - dw - left);
    // W'[a,b,co,ci] = W[kh-1-a, kw-1-b, ci, co]
    const wf = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const out = tf.conv2d(dp, wf as tf.Tensor4D, 1, "valid");
    if (out.shape[3] !== ci || out.shape[0] !== n) throw new Error("conv2dInputGrad: shape mismatch (bug)");
    return out;
  });
}

let registered = false;

/**
 * Registers `Conv2DBackpropFilter` and a faster `Conv2DBackpropInput` on the `wasm` backend
 * (idempotent). Call before the first training step; `selectBackend("wasm")` does it for you.
 *
 * @example
 * ```ts
 * registerWasmTrainingKernels();
 * await tf.setBackend("wasm");
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const replace = (config: tf.KernelConfig) => {
    if (tf.getKernel(config.kernelName, "wasm")) tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(config);
  };
  replace({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvBackpropAttrs;
      const x = asTensor<tf.Rank.R4>(inputs.x as Info, backend as tf.KernelBackend);
      const dy = asTensor<tf.Rank.R4>(inputs.dy as Info, backend as tf.KernelBackend);
      const out = conv2dFilterGrad(x.t, dy.t, a.filterShape!, a.strides, a.pad, a.dimRoundingMode);
      x.release();
      dy.release();
      return out;
    },
  });
  replace({
    kernelName: "Conv2DBackpropInput",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvBackpropAttrs;
      const dy = asTensor<tf.Rank.R4>(inputs.dy as Info, backend as tf.KernelBackend);
      const filter = asTensor<tf.Rank.R4>(inputs.filter as Info, backend as tf.KernelBackend);
      const out = conv2dInputGrad(a.inputShape!, dy.t, filter.t, a.strides, a.pad, a.dimRoundingMode);
      dy.release();
      filter.release();
      return out;
    },
  });
}
