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
 * replaceKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: filterGradByConv });
 * ```
 */
export function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}
