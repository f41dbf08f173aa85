/**
 * Model architectures for ALL-vs-normal screening. Functional tf.LayersModels, NHWC input named
 * `image` ([null, size, size, 3]), binary head `logit` (1 unit, linear) and optional
 * `subtype_logits` (K units, linear). Only layer types the ONNX exporter supports are used:
 * Conv2D, DepthwiseConv2D, BatchNormalization, ReLU/Activation, MaxPooling2D,
 * AveragePooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { fastBatchNormalization } from "./fast_batchnorm.ts";

/** Architectures {@link buildModel} knows. */
export type Architecture = "small-gap" | "original";

/** All architecture names, for CLI validation. */
export const ARCHITECTURES: readonly Architecture[] = ["small-gap", "original"];

/** Options of {@link buildModel}. */
export interface BuildOptions {
  /** Input side in pixels. */
  size: number;
  /** Number of subtype classes; 0 or absent: no `subtype_logits` head. */
  subtypes?: number;
  /** Seed of every weight initialiser (same seed → same initial weights). */
  seed: number;
  /** Dropout rate before the heads (default: 0.25 for original, 0.2 for small-gap). */
  dropout?: number;
  /**
   * Width multiplier of small-gap's convolutions (MobileNet's α): each block has
   * `max(8, round(base × width / 8) × 8)` filters (bases 16, 32, 32, 64, 64, 128, 128). Default 1;
   * 0.5 has ~4× fewer multiply-adds. Only small-gap has one.
   */
  width?: number;
}

/**
 * Throws unless `width` is a width multiplier `arch` accepts: in (0, 4], and 1 for every
 * architecture but small-gap. {@link buildModel} checks it; the trainer's CLI checks it before
 * loading any data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * checkWidth("small-gap", 0.75); // fine
 * assert.throws(() => checkWidth("original", 0.5)); // width applies to small-gap only
 * ```
 */
export function checkWidth(arch: Architecture, width: number): void {
  if (!(width > 0 && width <= 4)) throw new Error(`width must be in (0, 4] (got ${width})`);
  if (width !== 1 && arch !== "small-gap") throw new Error(`width applies to small-gap only (got ${arch})`);
}

/**
 * The filter count of a small-gap block for a width multiplier: a multiple of 8, at least 8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(scaledFilters(128, 0.5), 64);
 * assert.equal(scaledFilters(16, 0.5), 8);
 * assert.equal(scaledFilters(16, 0.75), 16); // a multiple of 8
 * ```
 */
export function scaledFilters(base: number, width: number): number {
  return Math.max(8, Math.round((base * width) / 8) * 8);
}

/**
 * Builds an untrained model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const model = buildModel("small-gap", { size: 96, subtypes: 4, seed: 1 });
 * assert.deepEqual(model.outputNames, ["logit", "subtype_logits"]);
 * assert.deepEqual(model.inputs[0].shape, [null, 96, 96, 3]);
 * ```
 */
export function buildModel(arch: Architecture, opts: BuildOptions): tf.LayersModel {
  if (!Number.isInteger(opts.size) || opts.size < 16) {
    throw new Error(`model size must be an integer ≥ 16 (got ${opts.size})`);
  }
  const width = opts.width ?? 1;
  checkWidth(arch, width);
  let seed = opts.seed * 1000;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const denseInit = () => tf.initializers.glorotUniform({ seed: seed++ });
  const input = tf.input({ shape: [opts.size, opts.size, 3], name: "image" });
  let features: tf.SymbolicTensor;
  let dropout: number;
  if (arch === "small-gap") {
    dropout = opts.dropout ?? 0.2;
    let x = input;
    const block = (base: number, strides: number, name: string) => {
      x = tf.layers.conv2d({
        filters: scaledFilters(base, width),
        kernelSize: 3,
        strides,
        padding: "same",
        useBias: false,
        kernelInitializer: init(),
        name: `${name}_conv`,
      }).apply(x) as tf.SymbolicTensor;
      x = fastBatchNormalization({ momentum: 0.9, epsilon: 1e-3, name: `${name}_bn` }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU({ name: `${name}_relu` }).apply(x) as tf.SymbolicTensor;
    };
    block(16, 2, "s1"); // size/2
    block(32, 2, "s2"); // size/4
    block(32, 1, "s2b");
    block(64, 2, "s3"); // size/8
    block(64, 1, "s3b");
    block(128, 2, "s4"); // size/16
    block(128, 1, "s4b");
    features = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(x) as tf.SymbolicTensor;
  } else if (arch === "original") {
    dropout = opts.dropout ?? 0.25;
    let x = input;
    const conv = (filters: number, name: string) => {
      x = tf.layers.conv2d({
        filters,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
        kernelInitializer: init(),
        name,
      }).apply(x) as tf.SymbolicTensor;
    };
    conv(32, "b1_conv1");
    conv(32, "b1_conv2");
    x = tf.layers.maxPooling2d({ poolSize: 2, name: "b1_pool" }).apply(x) as tf.SymbolicTensor;
    conv(64, "b2_conv1");
    conv(64, "b2_conv2");
    x = tf.layers.maxPooling2d({ poolSize: 2, name: "b2_pool" }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
    features = tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: denseInit(), name: "fc" })
      .apply(x) as tf.SymbolicTensor;
  } else {
    throw new Error(`unknown architecture "${arch}"; use one of ${ARCHITECTURES.join(", ")}`);
  }
  const dropped = tf.layers.dropout({ rate: dropout, seed: seed++, name: "head_dropout" }).apply(
    features,
  ) as tf.SymbolicTensor;
  const outputs: tf.SymbolicTensor[] = [
    tf.layers.dense({ units: 1, kernelInitializer: denseInit(), name: "logit" }).apply(dropped) as tf.SymbolicTensor,
  ];
  if (opts.subtypes && opts.subtypes > 0) {
    outputs.push(
      tf.layers.dense({ units: opts.subtypes, kernelInitializer: denseInit(), name: "subtype_logits" })
        .apply(dropped) as tf.SymbolicTensor,
    );
  }
  return tf.model({
    inputs: input,
    outputs,
    name: width === 1 ? `${arch}_${opts.size}` : `${arch}_${opts.size}_w${width}`,
  });
}
