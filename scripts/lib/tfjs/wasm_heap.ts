/**
 * The slice of tfjs-backend-wasm's `BackendWasm` that our kernels use: tensors as views of its
 * heap, and new output tensors in it (freed again when a kernel gives up).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/**
 * tfjs-backend-wasm's heap access. A view is valid until the next allocation in that heap (which
 * may grow it): make every output first, then take the views.
 */
export interface WasmHeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  /** Frees a tensor's memory (an output that is not returned after all). */
  disposeData(dataId: tf.DataId): boolean;
}
