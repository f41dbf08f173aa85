/**
 * Per-layer timing of the three convolution kernels of a training step (forward, filter gradient,
 * input gradient) on one backend, at the conv shapes of one of our architectures. Shows which
 * kernel sets the step time, e.g. tfjs-webgpu's stock filter gradient against ours
 * (`--filter-grad split,conv,stock` times each, see `lib/tfjs/webgpu_kernels.ts`).
 *
 * ```sh
 * tsx scripts/bench_conv_grad.ts --backend webgpu [--arch small-gap] [--width 1] [--size 128] [--batch 64] [--reps 10]
 *   [--filter-grad split,conv,stock]
 * ```
 *
 * Each time is the median over `reps` runs of the kernel, synchronised by reading one value back.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { type Architecture, buildModel } from "./lib/models/architectures.ts";
import { type BackendName, selectBackend } from "./lib/tfjs/backend.ts";

/** One conv layer's shapes. */
export interface ConvShape {
  name: string;
  input: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
}

/** Timings of one layer, milliseconds. */
export interface ConvTiming extends ConvShape {
  forwardMs: number;
  filterGradMs: number;
  inputGradMs: number;
}

/**
 * The conv layers of `arch` (small-gap at a `width` multiplier) at input `size` and `batch` (padding "same").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * assert.deepEqual(convShapes("small-gap", 96, 64)[0], {
 *   name: "s1_conv", input: [64, 96, 96, 3], filter: [3, 3, 3, 16], strides: 2,
 * });
 * ```
 */
export function convShapes(arch: Architecture, size: number, batch: number, width = 1): ConvShape[] {
  const model = buildModel(arch, { size, subtypes: 4, seed: 1, width });
  const out: ConvShape[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== "Conv2D") continue;
    const inShape = layer.input instanceof Array ? layer.input[0].shape : layer.input.shape;
    const kernel = layer.getWeights()[0].shape as [number, number, number, number];
    const strides = (layer.getConfig().strides as number[])[0];
    out.push({
      name: layer.name,
      input: [batch, inShape[1]!, inShape[2]!, inShape[3]!],
      filter: kernel,
      strides,
    });
  }
  model.dispose();
  return out;
}

/** Median milliseconds of `run` (each run synchronised by a one-value read-back). */
async function timeKernel(run: () => tf.Tensor, reps: number): Promise<number> {
  const sync = async (t: tf.Tensor) => {
    await tf.slice(tf.reshape(t, [-1]), 0, 1).data();
    tf.dispose(t);
  };
  await sync(run()); // compile / warm-up
  await sync(run());
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await sync(run());
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Times forward conv, filter gradient and input gradient for each layer on the active backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectBackend } from "./lib/tfjs/backend.ts";
 * await selectBackend("cpu"); // the benchmark: selectBackend("webgpu") and convShapes("small-gap", 128, 64)
 * const rows = await benchConvGrad(convShapes("small-gap", 32, 2).slice(0, 2), 1);
 * assert.deepEqual(rows.map((r) => r.name), ["s1_conv", "s2_conv"]);
 * assert.ok(rows.every((r) => r.forwardMs >= 0 && r.filterGradMs >= 0 && r.inputGradMs >= 0));
 * ```
 */
export async function benchConvGrad(shapes: ConvShape[], reps: number): Promise<ConvTiming[]> {
  const rows: ConvTiming[] = [];
  for (const s of shapes) {
    const x = tf.randomNormal(s.input, 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal(s.filter, 0, 0.1, "float32", 2) as tf.Tensor4D;
    const y = tf.conv2d(x, w, s.strides, "same");
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3) as tf.Tensor4D;
    y.dispose();
    const attrs = { strides: s.strides, pad: "same", dataFormat: "NHWC", dimRoundingMode: undefined };
    const forwardMs = await timeKernel(() => tf.conv2d(x, w, s.strides, "same"), reps);
    const filterGradMs = await timeKernel(
      () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
          ...attrs,
          filterShape: s.filter,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      reps,
    );
    const inputGradMs = await timeKernel(
      () =>
        tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
          ...attrs,
          inputShape: s.input,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      reps,
    );
    tf.dispose([x, w, dy]);
    rows.push({ ...s, forwardMs, filterGradMs, inputGradMs });
  }
  return rows;
}

if (import.meta.main ?? /bench_conv_grad\.[jt]s$/.test(process.argv[1] ?? "")) {
  const { values: a } = parseArgs({
    options: {
      backend: { type: "string" },
      arch: { type: "string" },
      width: { type: "string" },
      size: { type: "string" },
      batch: { type: "string" },
      reps: { type: "string" },
      "filter-grad": { type: "string" },
    },
  });
  const backend = await selectBackend((a.backend ?? "auto") as BackendName);
  const arch = (a.arch ?? "small-gap") as Architecture;
  const width = Number(a.width ?? 1);
  const size = Number(a.size ?? 128), batch = Number(a.batch ?? 64), reps = Number(a.reps ?? 10);
  // webgpu: compare filter-gradient implementations in one process (webgpu_kernels.ts reads this per call)
  const variants = backend === "webgpu" ? (a["filter-grad"] ?? "split").split(",") : [""];
  for (const variant of variants) {
    if (variant) process.env.TFJS_WEBGPU_FILTER_GRAD = variant;
    console.log(
      `${backend}${variant ? ` (filter gradient: ${variant})` : ""}: ${arch}${
        width === 1 ? "" : ` (width ${width})`
      } at ${size} px, batch ${batch}, median of ${reps}`,
    );
    console.log("layer      input              filter        s   fwd ms  dW ms   dX ms");
    let f = 0, dw = 0, dx = 0;
    for (const r of await benchConvGrad(convShapes(arch, size, batch, width), reps)) {
      f += r.forwardMs, dw += r.filterGradMs, dx += r.inputGradMs;
      console.log(
        `${r.name.padEnd(10)} ${r.input.join("x").padEnd(18)} ${r.filter.join("x").padEnd(13)} ${r.strides} ${
          r.forwardMs.toFixed(2).padStart(7)
        } ${r.filterGradMs.toFixed(2).padStart(7)} ${r.inputGradMs.toFixed(2).padStart(7)}`,
      );
    }
    console.log(
      `${"total".padEnd(46)} ${f.toFixed(2).padStart(7)} ${dw.toFixed(2).padStart(7)} ${dx.toFixed(2).padStart(7)}`,
    );
  }
  process.exit(0);
}
