/**
 * Registering our own kernel in place of a backend's.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Registers `config`, first unregistering the backend's kernel of that name if it has one (tfjs
 * refuses to register a name twice).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { filterGradByConv } from "./wasm_kernels.ts";
 * await tf.setBackend("cpu"); // the trainer replaces kernels of "wasm" and "webgpu"
 * replaceKernel({ kernelName: "Conv2DBackpropFilter", backendName: "cpu", kernelFunc: filterGradByConv });
 * // again: fine
 * replaceKernel({ kernelName: "Conv2DBackpropFilter", backendName: "cpu", kernelFunc: filterGradByConv });
 * assert.equal(tf.getKernel("Conv2DBackpropFilter", "cpu")?.kernelFunc, filterGradByConv);
 * ```
 */
export function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}
