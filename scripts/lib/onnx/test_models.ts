/**
 * Small seeded tfjs models that follow the trainer's contract, for exporter/quantizer tests and
 * the fixture script, plus NCHW ↔ NHWC helpers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { randomizeWeights } from "./seeded.ts";

/** Conv 3×3 (no bias) → BatchNorm → ReLU → MaxPool 2×2, layers named `conv<i>`, `bn<i>`, `relu<i>`, `pool<i>`. */
function convBlock(x: tf.SymbolicTensor, i: number, filters: number): tf.SymbolicTensor {
  x = tf.layers.conv2d({ name: `conv${i}`, filters, kernelSize: 3, padding: "same", useBias: false }).apply(
    x,
  ) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: `bn${i}` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ name: `relu${i}`, activation: "relu" }).apply(x) as tf.SymbolicTensor;
  return tf.layers.maxPooling2d({ name: `pool${i}`, poolSize: 2 }).apply(x) as tf.SymbolicTensor;
}

/**
 * The fixture architecture: two Conv(no bias)+BN+ReLU+MaxPool blocks → "gap" → Dropout →
 * "logit" (1) and "subtype_logits" (`subtypes`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const model = tinyCamModel({ size: 32, seed: 1 });
 * assert.deepEqual(model.inputs[0].shape, [null, 32, 32, 3]); // NHWC, as tfjs trains
 * assert.deepEqual(model.outputs.map((o) => o.shape), [[null, 1], [null, 4]]); // logit, subtype_logits
 * const same = tinyCamModel({ size: 32, seed: 1 }).getWeights()[0].dataSync();
 * assert.deepEqual(model.getWeights()[0].dataSync(), same); // same seed, same weights
 * ```
 */
export function tinyCamModel(
  opts: { size?: number; seed?: number; subtypes?: number; filters?: [number, number] } = {},
): tf.LayersModel {
  const size = opts.size ?? 32;
  const [f1, f2] = opts.filters ?? [8, 16];
  const input = tf.input({ shape: [size, size, 3], name: "image" });
  let x = input as tf.SymbolicTensor;
  for (const [i, f] of [[1, f1], [2, f2]] as const) x = convBlock(x, i, f);
  const gap = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(x) as tf.SymbolicTensor;
  const drop = tf.layers.dropout({ name: "drop", rate: 0.25 }).apply(gap) as tf.SymbolicTensor;
  const logit = tf.layers.dense({ name: "logit", units: 1 }).apply(drop) as tf.SymbolicTensor;
  const outputs = [logit];
  if ((opts.subtypes ?? 4) > 0) {
    outputs.push(
      tf.layers.dense({ name: "subtype_logits", units: opts.subtypes ?? 4 }).apply(drop) as tf.SymbolicTensor,
    );
  }
  const model = tf.model({ inputs: input, outputs, name: "tiny_cam" });
  randomizeWeights(model, opts.seed ?? 1);
  return model;
}

/**
 * The "original project" preset: conv blocks → Flatten → Dense(relu) → Dropout → "logit"
 * (a Sequential model, so the Flatten ordering of NHWC matters).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const model = flattenModel({ size: 24, seed: 2 });
 * assert.ok(model.layers.some((l) => l.name === "flat"));
 * assert.deepEqual(model.outputs.map((o) => o.shape), [[null, 1]]); // logit only
 * ```
 */
export function flattenModel(opts: { size?: number; seed?: number } = {}): tf.LayersModel {
  const size = opts.size ?? 24;
  const model = tf.sequential({ name: "flatten_preset" });
  model.add(
    tf.layers.conv2d({ inputShape: [size, size, 3], name: "c1", filters: 6, kernelSize: 3, activation: "relu" }),
  );
  model.add(tf.layers.maxPooling2d({ name: "p1", poolSize: 2 }));
  model.add(tf.layers.conv2d({ name: "c2", filters: 8, kernelSize: 3, padding: "same" }));
  model.add(tf.layers.batchNormalization({ name: "bn2" }));
  model.add(tf.layers.reLU({ name: "r2" }));
  model.add(tf.layers.maxPooling2d({ name: "p2", poolSize: 2 }));
  model.add(tf.layers.flatten({ name: "flat" }));
  model.add(tf.layers.dense({ name: "fc", units: 16, activation: "relu" }));
  model.add(tf.layers.dropout({ name: "drop", rate: 0.25 }));
  model.add(tf.layers.dense({ name: "logit", units: 1 }));
  randomizeWeights(model, opts.seed ?? 2);
  return model;
}

/**
 * Odd input size, stride 2 with "same" padding, depthwise (multiplier 2) + BN + relu6,
 * SeparableConv2D, same-padded Max/AveragePooling, a residual Add, ZeroPadding2D, a sigmoid conv,
 * an unfoldable BatchNormalization, LeakyReLU, GAP → "logit" + "subtype_logits".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const model = mixedModel({ size: 33, seed: 3 });
 * const names = model.layers.map((l) => l.name);
 * for (const name of ["dw", "sep", "res", "zpad", "post_bn", "leaky"]) assert.ok(names.includes(name), name);
 * assert.deepEqual(model.outputs.map((o) => o.shape), [[null, 1], [null, 3]]);
 * ```
 */
export function mixedModel(opts: { size?: number; seed?: number } = {}): tf.LayersModel {
  const size = opts.size ?? 33;
  const input = tf.input({ shape: [size, size, 3] });
  const ap = <T>(l: tf.layers.Layer, x: T) => l.apply(x as tf.SymbolicTensor) as tf.SymbolicTensor;
  let x = ap(
    tf.layers.conv2d({ name: "stem", filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
    input,
  );
  x = ap(tf.layers.depthwiseConv2d({ name: "dw", kernelSize: 3, depthMultiplier: 2, padding: "same", strides: 2 }), x);
  x = ap(tf.layers.batchNormalization({ name: "dw_bn" }), x);
  x = ap(tf.layers.reLU({ name: "dw_relu6", maxValue: 6 }), x);
  const sep = ap(
    tf.layers.separableConv2d({ name: "sep", filters: 16, kernelSize: 3, padding: "same", activation: "relu" }),
    x,
  );
  const pw = ap(tf.layers.conv2d({ name: "proj", filters: 16, kernelSize: 1 }), x);
  x = ap(tf.layers.add({ name: "res" }), [sep, pw]);
  x = ap(tf.layers.maxPooling2d({ name: "mp", poolSize: 3, strides: 2, padding: "same" }), x);
  const a = ap(tf.layers.averagePooling2d({ name: "avp", poolSize: 3, strides: 1, padding: "same" }), x);
  x = ap(tf.layers.zeroPadding2d({ name: "zpad", padding: [[1, 0], [0, 2]] }), a);
  x = ap(tf.layers.conv2d({ name: "head", filters: 12, kernelSize: 2, padding: "valid", activation: "sigmoid" }), x);
  // BN after a non-linear activation cannot be folded: exported as Mul + Add
  x = ap(tf.layers.batchNormalization({ name: "post_bn" }), x);
  x = ap(tf.layers.leakyReLU({ name: "leaky", alpha: 0.2 }), x);
  const gap = ap(tf.layers.globalAveragePooling2d({ name: "gap" }), x);
  const logit = ap(tf.layers.dense({ name: "logit", units: 1 }), gap);
  const sub = ap(tf.layers.dense({ name: "subtype_logits", units: 3 }), gap);
  const model = tf.model({ inputs: input, outputs: [logit, sub], name: "mixed" });
  randomizeWeights(model, opts.seed ?? 3);
  return model;
}

/**
 * A trainer-like model: four conv blocks (conv3×3 no bias + BN + ReLU + maxpool) → "gap" → Dropout → "logit", "subtype_logits".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const model = benchModel(128, [32, 64, 128, 128]);
 * assert.deepEqual(model.inputs[0].shape, [null, 128, 128, 3]);
 * assert.equal(model.layers.filter((l) => l.getClassName() === "Conv2D").length, 4);
 * assert.deepEqual(model.outputs.map((o) => o.shape), [[null, 1], [null, 4]]);
 * ```
 */
export function benchModel(size: number, filters: number[]): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = input as tf.SymbolicTensor;
  filters.forEach((f, i) => {
    x = convBlock(x, i, f);
  });
  const gap = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(x) as tf.SymbolicTensor;
  const d = tf.layers.dropout({ name: "drop", rate: 0.25 }).apply(gap) as tf.SymbolicTensor;
  const model = tf.model({
    inputs: input,
    outputs: [
      tf.layers.dense({ name: "logit", units: 1 }).apply(d) as tf.SymbolicTensor,
      tf.layers.dense({ name: "subtype_logits", units: 4 }).apply(d) as tf.SymbolicTensor,
    ],
  });
  randomizeWeights(model, 5);
  return model;
}

/**
 * NCHW `[n, c, h, w]` → NHWC `[n, h, w, c]`, flattened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const nchw = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]); // 3 channels of 2×2
 * const nhwc = nchwToNhwc(nchw, [1, 3, 2, 2]);
 * assert.deepEqual([...nhwc], [0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23]); // channels last
 * ```
 */
export function nchwToNhwc(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
    }
  }
  return out;
}

/**
 * Runs the tfjs model on an NCHW batch (converted to NHWC) and returns each output by its layer name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const model = tinyCamModel({ size: 32, seed: 1 });
 * const x = new Float32Array(2 * 3 * 32 * 32).fill(0.5); // two identical images
 * const { logit, subtype_logits } = predictNchw(model, x, [2, 3, 32, 32]);
 * assert.equal(logit.length, 2);
 * assert.equal(subtype_logits.length, 2 * 4);
 * assert.equal(logit[0], logit[1]);
 * ```
 */
export function predictNchw(
  model: tf.LayersModel,
  x: Float32Array,
  dims: readonly number[],
): Record<string, Float32Array> {
  const [n, c, h, w] = dims;
  return tf.tidy(() => {
    const input = tf.tensor4d(nchwToNhwc(x, dims), [n, h, w, c]);
    const res = model.predict(input);
    const list = Array.isArray(res) ? res : [res];
    const out: Record<string, Float32Array> = {};
    model.outputs.forEach((o, i) => {
      out[o.sourceLayer.name] = Float32Array.from(list[i].dataSync() as Float32Array);
    });
    return out;
  }) as unknown as Record<string, Float32Array>;
}

/**
 * Largest absolute elementwise difference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(maxAbsDiff(new Float32Array([1, 2]), new Float32Array([1, 2.5])), 0.5);
 * assert.throws(() => maxAbsDiff(new Float32Array(1), new Float32Array(2)), /lengths differ/);
 * ```
 */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
