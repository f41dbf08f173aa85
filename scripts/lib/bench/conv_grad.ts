/**
 * Per-layer timing of the three convolution kernels of a training step (forward, filter gradient,
 * input gradient) on the active tfjs backend, at the conv shapes of one of our architectures
 * (`deno task bench:conv`, scripts/bench_conv_grad.ts, prints them).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Architecture, buildModel } from "../models/architectures.ts";

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
 * import { selectBackend } from "../tfjs/backend.ts";
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
