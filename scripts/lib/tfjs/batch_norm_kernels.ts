/**
 * Fused training-mode batch-norm kernels for the TensorFlow.js wasm backend, run by our SIMD
 * kernel (`simd_batch_norm.ts`) on tensors in tfjs's heap.
 *
 * Two kernels, registered by {@link registerWasmBatchNormKernels} and used by the trainer's batch
 * norm layer (`models/fast_batchnorm.ts`) wherever the active backend has them:
 *
 * - {@link BATCH_NORM_TRAIN_FORWARD}: inputs `x` (channels last), `gamma`, `beta`; attr `epsilon`;
 *   outputs `[y, mean, variance]` (biased variance, as tfjs's `moments`).
 * - {@link BATCH_NORM_TRAIN_BACKWARD}: inputs `dy`, `x`, `mean`, `variance`, `gamma`; attr
 *   `epsilon`; outputs `[dx, dgamma, dbeta]`.
 *
 * They have no gradients of their own: the layer wraps them in `tf.customGrad`.
 * `TFJS_WASM_BATCH_NORM=ops` leaves them unregistered (for comparison).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { loadSimdBatchNorm } from "./simd_batch_norm.ts";
import type { WasmHeapBackend } from "./wasm_heap.ts";

/** Kernel name of the fused forward pass. */
export const BATCH_NORM_TRAIN_FORWARD = "AllScreenBatchNormTrainForward";
/** Kernel name of the fused backward pass. */
export const BATCH_NORM_TRAIN_BACKWARD = "AllScreenBatchNormTrainBackward";

/**
 * Registers both kernels on the `wasm` backend when our SIMD module loads (idempotent); returns
 * whether they are registered. `selectBackend("wasm")` calls it for you.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { selectBackend } from "./backend.ts";
 * assert.equal(registerWasmBatchNormKernels(), true); // our SIMD module loads here
 * assert.ok(tf.getKernel(BATCH_NORM_TRAIN_FORWARD, "wasm") && tf.getKernel(BATCH_NORM_TRAIN_BACKWARD, "wasm"));
 * await selectBackend("wasm"); // the wasm backend, where fastBatchNormalization uses them
 * ```
 */
export function registerWasmBatchNormKernels(): boolean {
  if (tf.getKernel(BATCH_NORM_TRAIN_FORWARD, "wasm")) return true;
  const bn = process.env.TFJS_WASM_BATCH_NORM === "ops" ? null : loadSimdBatchNorm();
  if (!bn) return false;
  const channels = (gamma: tf.TensorInfo) => gamma.shape[0];
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN_FORWARD,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as unknown as WasmHeapBackend;
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const c = channels(gamma);
      const [y, mean, variance] = [
        b.makeOutput([...x.shape], "float32"),
        b.makeOutput([c], "float32"),
        b.makeOutput([c], "float32"),
      ];
      const heap = (t: tf.TensorInfo) => b.typedArrayFromHeap(t);
      bn.forward(heap(x), heap(gamma), heap(beta), (attrs as { epsilon: number }).epsilon, {
        y: heap(y),
        mean: heap(mean),
        variance: heap(variance),
      });
      return [y, mean, variance];
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN_BACKWARD,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as unknown as WasmHeapBackend;
      const { dy, x, mean, variance, gamma } = inputs as Record<string, tf.TensorInfo>;
      const c = channels(gamma);
      const [dx, dgamma, dbeta] = [
        b.makeOutput([...dy.shape], "float32"),
        b.makeOutput([c], "float32"),
        b.makeOutput([c], "float32"),
      ];
      const heap = (t: tf.TensorInfo) => b.typedArrayFromHeap(t);
      bn.backward(heap(dy), heap(x), heap(mean), heap(variance), heap(gamma), (attrs as { epsilon: number }).epsilon, {
        dx: heap(dx),
        dgamma: heap(dgamma),
        dbeta: heap(dbeta),
      });
      return [dx, dgamma, dbeta];
    },
  });
  return true;
}
