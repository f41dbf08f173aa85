/**
 * A BatchNormalization layer with a fused training-mode backward pass.
 *
 * tfjs's stock layer differentiates through `moments` and `FusedBatchNorm`, whose gradient tiles
 * 1/σ to the full activation shape; on the wasm backend `Tile` alone took ~20% of a step. This
 * subclass computes the textbook closed-form gradient in a few broadcast ops instead, or, where
 * the active backend has them (wasm, `tfjs/batch_norm_kernels.ts`), by two fused kernels. Inference,
 * weights, moving-average updates and the saved JSON (class name `BatchNormalization`) are
 * identical to the stock layer, so saved models load anywhere.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { BATCH_NORM_TRAIN_BACKWARD, BATCH_NORM_TRAIN_FORWARD } from "../tfjs/batch_norm_kernels.ts";

/** Per-channel normalisation of an NHWC (or any channels-last) batch with a fused gradient. */
type BnOut = { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D };

/**
 * Training-mode batch normalisation over all axes but the last; returns y and the batch
 * statistics (for the moving averages; kept tensors: dispose them). Differentiable w.r.t. x, gamma
 * and beta.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu"); // on wasm, with registerWasmBatchNormKernels, our SIMD kernels run it
 * const x = tf.tensor2d([[1, 10], [3, 30]]); // 2 rows, 2 channels
 * const { y, mean, variance } = batchNormTraining(x, tf.ones([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D, 1e-3);
 * assert.deepEqual(Array.from(mean.dataSync()), [2, 20]);
 * assert.deepEqual(Array.from(variance.dataSync()), [1, 100]);
 * assert.deepEqual(Array.from(y.dataSync(), (v) => Math.round(v * 100) / 100), [-1, -1, 1, 1]);
 * ```
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BnOut {
  return tf.getKernel(BATCH_NORM_TRAIN_FORWARD, tf.getBackend())
    ? batchNormByKernels(x, gamma, beta, epsilon)
    : batchNormByOps(x, gamma, beta, epsilon);
}

/** {@link batchNormTraining} by the backend's fused kernels (see `tfjs/batch_norm_kernels.ts`). */
function batchNormByKernels(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BnOut {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  const f = tf.customGrad((xx, g, b, save) => {
    const [y, mean, variance] = tf.engine().runKernel(
      BATCH_NORM_TRAIN_FORWARD,
      { x: xx as tf.Tensor, gamma: g as tf.Tensor, beta: b as tf.Tensor },
      { epsilon },
    ) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    (save as (t: tf.Tensor[]) => void)([xx as tf.Tensor, mean, variance, g as tf.Tensor]);
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) }; // kept past customGrad's scope; caller disposes
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, m, v, gm] = saved;
        return tf.engine().runKernel(
          BATCH_NORM_TRAIN_BACKWARD,
          { dy: dy as tf.Tensor, x: xs, mean: m, variance: v, gamma: gm },
          { epsilon },
        ) as tf.Tensor[];
      },
    };
  });
  const y = f(x, gamma, beta);
  return { y, ...stats! };
}

/** {@link batchNormTraining} by tfjs ops, on any backend. */
function batchNormByOps(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BnOut {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const n = x.size / x.shape[x.rank - 1];
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  const f = tf.customGrad((xx, g, b, save) => {
    const mean = tf.mean(xx as tf.Tensor, axes) as tf.Tensor1D;
    const xc = tf.sub(xx as tf.Tensor, mean);
    const variance = tf.mean(tf.square(xc), axes) as tf.Tensor1D;
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(xc, inv);
    (save as (t: tf.Tensor[]) => void)([xhat, inv, g as tf.Tensor]);
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) }; // kept past customGrad's scope; caller disposes
    return {
      value: tf.add(tf.mul(xhat, g as tf.Tensor), b as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const [xh, iv, gm] = saved;
        const sdy = tf.sum(d, axes);
        const sdyx = tf.sum(tf.mul(d, xh), axes);
        const k = tf.mul(gm, iv);
        const dx = tf.mul(tf.sub(tf.sub(d, tf.mul(xh, tf.div(sdyx, n))), tf.div(sdy, n)), k);
        return [dx, sdyx, sdy];
      },
    };
  });
  const y = f(x, gamma, beta);
  return { y, ...stats! };
}

/** tfjs's BatchNormalization class (not exported by name). */
const StockBatchNorm =
  (tf.layers.batchNormalization({}) as unknown as { constructor: new (args: object) => tf.layers.Layer })
    .constructor;

/**
 * Drop-in replacement for `tf.layers.batchNormalization` (channels-last, `axis: -1`, center and
 * scale on) with a fused training gradient.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const bn = fastBatchNormalization({ momentum: 0.9, epsilon: 1e-3, name: "s1_bn" });
 * const input = tf.input({ shape: [8, 8, 16] });
 * const model = tf.model({ inputs: input, outputs: bn.apply(input) as tf.SymbolicTensor });
 * assert.equal(model.getLayer("s1_bn").countParams(), 4 * 16); // gamma, beta, moving mean and variance
 * ```
 */
export function fastBatchNormalization(args: { momentum?: number; epsilon?: number; name?: string }): tf.layers.Layer {
  return new FastBatchNormalization(args);
}

class FastBatchNormalization extends StockBatchNorm {
  static className = "BatchNormalization";

  // deno-lint-ignore no-explicit-any
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: any): tf.Tensor | tf.Tensor[] {
    // deno-lint-ignore no-explicit-any
    const self = this as any;
    const training = kwargs?.training === true;
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!training || (self.axis !== -1 && self.axis !== input.rank - 1) || !self.center || !self.scale) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(input, self.gamma.read(), self.beta.read(), self.epsilon);
      const update = (variable: { read(): tf.Tensor; write(t: tf.Tensor): void }, value: tf.Tensor) => {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - self.momentum)));
        });
      };
      update(self.movingMean, mean);
      update(self.movingVariance, variance);
      tf.dispose([mean, variance]);
      return y;
    });
  }
}
