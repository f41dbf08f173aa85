/**
 * Deterministic weights for test models: a seeded PRNG and a function that fills every weight of a
 * tfjs model from it (independent of tfjs's own initialisers and backend).
 *
 * @module
 */
import { seededRandom } from "../../../model/core/mod.ts";
export { seededRandom };
import * as tf from "@tensorflow/tfjs";

/**
 * Sets every weight of `model` from `seed`: kernels Glorot-uniform, biases/beta/moving means in
 * ±0.2, gamma and moving variances in [0.5, 1.5]. Same seed → same weights.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * randomizeWeights(model, 7);
 * const first = model.getWeights()[0].dataSync()[0];
 * randomizeWeights(model, 7);
 * if (model.getWeights()[0].dataSync()[0] !== first) throw new Error("same seed, same weights");
 * ```
 */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rand = seededRandom(seed);
  const uni = (lo: number, hi: number) => lo + (hi - lo) * rand();
  for (const layer of model.layers) {
    const ws = layer.weights;
    if (ws.length === 0) continue;
    const vals = ws.map((w) => {
      const short = w.originalName.split("/").pop()!;
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      if (short === "gamma" || short === "moving_variance") {
        for (let i = 0; i < n; i++) data[i] = uni(0.5, 1.5);
      } else if (short.endsWith("kernel")) {
        const rf = shape.length === 4 ? shape[0] * shape[1] : 1;
        const fanIn = shape.length === 4 ? (short === "depthwise_kernel" ? rf : rf * shape[2]) : shape[0];
        const fanOut = shape.length === 4 ? rf * shape[3] : shape[1];
        const a = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < n; i++) data[i] = uni(-a, a);
      } else {
        for (let i = 0; i < n; i++) data[i] = uni(-0.2, 0.2);
      }
      return tf.tensor(data, shape);
    });
    layer.setWeights(vals);
    vals.forEach((v) => v.dispose());
  }
}
