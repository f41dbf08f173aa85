/**
 * All of a model's weights (trainable and not) as one flat Float32Array, in `model.weights`
 * order, so replicas and the optimiser exchange a single transferable buffer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Where one weight lives in the flat buffer. */
export interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  trainable: boolean;
}

/** The flat layout of a model's weights. */
export interface WeightLayout {
  entries: WeightEntry[];
  total: number;
  /** 1 where the element is trainable. */
  trainMask: Uint8Array;
  /** 1 where weight decay applies (conv/dense kernels). */
  decayMask: Uint8Array;
}

/**
 * Computes the layout of `model.weights`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * // the trainer uses buildModel; a small model here
 * const dense = () => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const layout = weightLayout(dense());
 * assert.equal(layout.total, 3 * 2 + 2); // number of floats in all weights: kernel and bias
 * assert.equal(layout.decayMask.reduce((a, b) => a + b, 0), 6); // weight decay on the kernel only
 * ```
 */
export function weightLayout(model: tf.LayersModel): WeightLayout {
  let offset = 0;
  const entries = model.weights.map((w) => {
    const size = (w.shape as number[]).reduce((a, b) => a * b, 1);
    const e = { name: w.originalName, shape: w.shape as number[], offset, size, trainable: w.trainable };
    offset += size;
    return e;
  });
  const trainMask = new Uint8Array(offset), decayMask = new Uint8Array(offset);
  for (const e of entries) {
    if (e.trainable) trainMask.fill(1, e.offset, e.offset + e.size);
    if (e.trainable && /kernel$/.test(e.name)) decayMask.fill(1, e.offset, e.offset + e.size);
  }
  return { entries, total: offset, trainMask, decayMask };
}

/**
 * Copies every weight of `model` into one new Float32Array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * // the trainer uses buildModel; a small model here
 * const dense = () => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const model = dense();
 * const flat = readWeights(model);
 * assert.deepEqual(flat.subarray(0, 6), model.weights[0].read().dataSync()); // the kernel first
 * ```
 */
export function readWeights(model: tf.LayersModel): Float32Array {
  const layout = weightLayout(model);
  const out = new Float32Array(layout.total);
  model.weights.forEach((w, i) => out.set(w.read().dataSync() as Float32Array, layout.entries[i].offset));
  return out;
}

/**
 * Writes a flat buffer (from {@link readWeights} of the same architecture) into `model`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * // the trainer uses buildModel; a small model here
 * const dense = () => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const main = dense(), replica = dense();
 * writeWeights(replica, readWeights(main));
 * const x = tf.ones([1, 3]);
 * assert.deepEqual((replica.predict(x) as tf.Tensor).dataSync(), (main.predict(x) as tf.Tensor).dataSync());
 * assert.throws(() => writeWeights(replica, new Float32Array(3)), /same --arch\/--size\/subtypes\?/);
 * ```
 */
export function writeWeights(model: tf.LayersModel, flat: Float32Array): void {
  const layout = weightLayout(model);
  if (flat.length !== layout.total) {
    throw new Error(
      `weights have ${flat.length} values but the model needs ${layout.total}; same --arch/--size/subtypes?`,
    );
  }
  model.weights.forEach((w, i) => {
    const e = layout.entries[i];
    const t = tf.tensor(flat.subarray(e.offset, e.offset + e.size), e.shape);
    w.write(t);
    t.dispose();
  });
}
