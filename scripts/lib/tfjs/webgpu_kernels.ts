/**
 * Training kernels for the TensorFlow.js webgpu backend.
 *
 * tfjs-backend-webgpu 4.22's `Conv2DBackpropFilter` runs one GPU thread per filter element, each
 * looping over the whole batch and image (`batch·outH·outW` multiply-adds): a 3×3×3×16 first-layer
 * filter is 432 threads on a GPU that holds ~270 000, so the filter gradients, not the forward
 * convs, set the step time. The kernel registered here splits that reduction into `S` chunks
 * (`S·filterSize` threads, each summing one chunk), then adds the chunks (one thread per filter
 * element): on an H200, small-gap's seven filter gradients take 9.7 ms instead of 106.8 ms at
 * 128 px, batch 64 (docs/PERFORMANCE.md). Alternatives, chosen per call by `TFJS_WEBGPU_FILTER_GRAD` (for benchmarks):
 * `conv` (the gradient as a forward conv of transposed tensors, the backend's tiled `Conv2D`) and
 * `stock` (tfjs's kernel). `Conv2DBackpropInput` is wrapped only to honour {@link skipInputGradient}
 * (`../tfjs/input_grad_skip.ts`); the backend's own kernel does the rest.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { isInputGradientSkipped } from "./input_grad_skip.ts";
import { replaceKernel } from "./replace_kernel.ts";
import { filterGradByConv } from "./wasm_kernels.ts";

type Info = tf.TensorInfo;

/** What tfjs-backend-webgpu's `runWebGPUProgram` needs of a program (its `WebGPUProgram`). */
interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string;
  size: boolean;
  getUserCode(): string;
}

/** The part of the webgpu backend this module calls. */
interface WebGpuBackendLike extends tf.KernelBackend {
  disposeData(dataId: object): boolean;
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: Info[],
    outputDtype: tf.DataType,
    uniforms?: { type: "int32" | "float32"; data: number[] }[],
  ): Info;
}

/** Threads the split kernel aims to launch: a few per lane of a large GPU (H100/H200: ~270k resident). */
const TARGET_THREADS = 1 << 19;
/** Fewest multiply-adds one thread does (below this, launch and the final sum dominate). */
const MIN_CHUNK = 64;

/**
 * How many chunks to split a filter gradient's reduction (`batch·outH·outW` terms) into.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(splitCount(3 * 3 * 3 * 16, 64 * 48 * 48), 1214); // ~524k threads of 122 terms each
 * assert.equal(splitCount(3 * 3 * 128 * 128, 64 * 6 * 6), 4);
 * ```
 */
export function splitCount(filterSize: number, reduction: number): number {
  const byThreads = Math.ceil(TARGET_THREADS / filterSize);
  const byChunk = Math.max(1, Math.floor(reduction / MIN_CHUNK));
  return Math.max(1, Math.min(byThreads, byChunk));
}

/** Partial filter gradients `[S, kh·kw·ci·co]`: row `s` sums reduction terms `[s·chunk, (s+1)·chunk)`. */
function filterGradPartialsProgram(splits: number, filterSize: number): WebGpuProgram {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  const outputShape = [splits, filterSize];
  return {
    variableNames: ["x", "dy"],
    outputShape,
    shaderKey: "conv2DFilterGradSplit",
    dispatchLayout: { x: [0, 1] },
    dispatch: [Math.ceil((splits * filterSize) / workgroupSize[0]), 1, 1],
    workgroupSize,
    size: true,
    uniforms:
      "pads : vec2<i32>, strides : vec2<i32>, outHeight : i32, outWidth : i32, inHeight : i32, inWidth : i32, kw : i32, ci : i32, co : i32, chunk : i32, total : i32,",
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.size) {
          return;
        }
        let filterSize = uniforms.outShape[1];
        let s = index / filterSize;
        let f = index - s * filterSize;
        let d2 = f % uniforms.co;
        let f1 = f / uniforms.co;
        let d1 = f1 % uniforms.ci;
        let f2 = f1 / uniforms.ci;
        let wC = f2 % uniforms.kw;
        let wR = f2 / uniforms.kw;
        let start = s * uniforms.chunk;
        let end = min(start + uniforms.chunk, uniforms.total);
        // position of term 'start' as (b, yR, yC); then step it like an odometer
        var yC = start % uniforms.outWidth;
        let t = start / uniforms.outWidth;
        var yR = t % uniforms.outHeight;
        var b = t / uniforms.outHeight;
        var acc = 0.0;
        for (var r = start; r < end; r = r + 1) {
          let xR = wR + yR * uniforms.strides[0] - uniforms.pads[0];
          let xC = wC + yC * uniforms.strides[1] - uniforms.pads[1];
          if (xR >= 0 && xR < uniforms.inHeight && xC >= 0 && xC < uniforms.inWidth) {
            acc = acc + getX(b, xR, xC, d1) * getDy(b, yR, yC, d2);
          }
          yC = yC + 1;
          if (yC == uniforms.outWidth) {
            yC = 0;
            yR = yR + 1;
            if (yR == uniforms.outHeight) {
              yR = 0;
              b = b + 1;
            }
          }
        }
        setOutputAtIndex(index, acc);
      }
    `,
  };
}

/** `out[f] = Σ_s partials[s, f]`: one thread per filter element, reading the rows in order (coalesced). */
function sumRowsProgram(cols: number): WebGpuProgram {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  return {
    variableNames: ["partials"],
    outputShape: [cols],
    shaderKey: "conv2DFilterGradSumRows",
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(cols / workgroupSize[0]), 1, 1],
    workgroupSize,
    size: true,
    uniforms: "rows : i32,",
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.size) {
          return;
        }
        var acc = 0.0;
        for (var s = 0; s < uniforms.rows; s = s + 1) {
          acc = acc + partials[s * uniforms.size + index];
        }
        setOutputAtIndex(index, acc);
      }
    `,
  };
}

/** Attributes tfjs passes to `Conv2DBackpropFilter`. */
interface FilterGradAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/**
 * `Conv2DBackpropFilter` for the webgpu backend (NHWC): split reduction, then the row-sum kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * registerWebgpuTrainingKernels(); // makes tf.grad of conv2d use it on "webgpu" (running it needs a GPU)
 * assert.ok(tf.getKernel("Conv2DBackpropFilter", "webgpu"));
 * ```
 */
function conv2dFilterGradWebgpu(x: Info, dy: Info, attrs: FilterGradAttrs, backend: WebGpuBackendLike): Info {
  if (attrs.dataFormat === "NCHW") {
    throw new Error("webgpu filter-gradient kernel supports NHWC only; build the model channels-last");
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const [kh, kw, ci, co] = attrs.filterShape;
  const filterSize = kh * kw * ci * co;
  const total = info.batchSize * info.outHeight * info.outWidth;
  const splits = splitCount(filterSize, total);
  const chunk = Math.ceil(total / splits);
  const partials = backend.runWebGPUProgram(
    filterGradPartialsProgram(Math.ceil(total / chunk), filterSize),
    [x, dy],
    "float32",
    [
      { type: "int32", data: [info.padInfo.top, info.padInfo.left] },
      { type: "int32", data: [info.strideHeight, info.strideWidth] },
      { type: "int32", data: [info.outHeight] },
      { type: "int32", data: [info.outWidth] },
      { type: "int32", data: [info.inHeight] },
      { type: "int32", data: [info.inWidth] },
      { type: "int32", data: [kw] },
      { type: "int32", data: [ci] },
      { type: "int32", data: [co] },
      { type: "int32", data: [chunk] },
      { type: "int32", data: [total] },
    ],
  );
  const rows = partials.shape[0];
  // tfjs's Sum over axis 0 would transpose, then run one workgroup per filter element: far slower
  const summed = rows === 1 ? partials : backend.runWebGPUProgram(sumRowsProgram(filterSize), [partials], "float32", [
    { type: "int32", data: [rows] },
  ]);
  if (summed !== partials) backend.disposeData(partials.dataId);
  return { ...summed, shape: attrs.filterShape };
}

/** Filter-gradient implementations (see the module doc). */
export type FilterGradVariant = "split" | "conv" | "stock";

/** The variant named by `TFJS_WEBGPU_FILTER_GRAD` (default `split`), read on every call. */
function filterGradVariant(): FilterGradVariant {
  const v = process.env.TFJS_WEBGPU_FILTER_GRAD ?? "split";
  if (v !== "split" && v !== "conv" && v !== "stock") {
    throw new Error(`TFJS_WEBGPU_FILTER_GRAD must be split, conv or stock (got "${v}")`);
  }
  return v;
}

let registered = false;

/**
 * Registers the split-reduction `Conv2DBackpropFilter` and the input-gradient skip on the
 * `webgpu` backend (idempotent). `selectBackend("webgpu")` does it for you; set
 * `TFJS_WEBGPU_STOCK_KERNELS=1` to keep tfjs's own kernels (for comparison).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import "@tensorflow/tfjs-backend-webgpu"; // the backend and its own kernels first
 * const stock = tf.getKernel("Conv2DBackpropInput", "webgpu");
 * registerWebgpuTrainingKernels();
 * registerWebgpuTrainingKernels(); // idempotent
 * assert.notEqual(tf.getKernel("Conv2DBackpropInput", "webgpu")?.kernelFunc, stock?.kernelFunc); // wrapped
 * // then `await tf.setBackend("webgpu")` on a machine with a GPU (selectBackend("webgpu") does all of it)
 * ```
 */
export function registerWebgpuTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const stockInput = tf.getKernel("Conv2DBackpropInput", "webgpu");
  const stockFilter = tf.getKernel("Conv2DBackpropFilter", "webgpu");
  replaceKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "webgpu",
    kernelFunc: (args) => {
      const variant = filterGradVariant();
      if (variant === "stock" && stockFilter) return stockFilter.kernelFunc(args);
      if (variant === "conv") return filterGradByConv(args);
      const { inputs, attrs, backend } = args;
      return conv2dFilterGradWebgpu(
        inputs.x as Info,
        inputs.dy as Info,
        attrs as unknown as FilterGradAttrs,
        backend as WebGpuBackendLike,
      );
    },
  });
  if (stockInput) {
    replaceKernel({
      kernelName: "Conv2DBackpropInput",
      backendName: "webgpu",
      kernelFunc: (args) => {
        const shape = (args.attrs as unknown as { inputShape: [number, number, number, number] }).inputShape;
        if (isInputGradientSkipped(shape[3])) return tf.zeros(shape);
        return stockInput.kernelFunc(args);
      },
    });
  }
}
