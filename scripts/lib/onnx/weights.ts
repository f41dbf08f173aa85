/**
 * Weight layout conversions from TensorFlow.js (HWIO, depthwise HWCM) to ONNX (OIHW), and folding
 * BatchNormalization into the convolution before it.
 *
 * @module
 */

/**
 * Conv2D kernel `[kh, kw, in, out]` (HWIO) → ONNX `[out, in, kh, kw]` (OIHW).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 1×1 kernel, 2 inputs, 3 outputs: HWIO element [0, 0, i, o] = 10*i + o
 * const kernel = Float32Array.from([0, 1, 2, 10, 11, 12]);
 * const oihw = hwioToOihw(kernel, [1, 1, 2, 3]); // [out, in, 1, 1]
 * assert.deepEqual([...oihw], [0, 10, 1, 11, 2, 12]);
 * ```
 */
export function hwioToOihw(k: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) {
          out[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o];
        }
      }
    }
  }
  return out;
}

/**
 * DepthwiseConv2D kernel `[kh, kw, C, M]` → ONNX grouped-conv weight `[C*M, 1, kh, kw]` (group = C;
 * output channel `c*M + m`, the order TensorFlow uses).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 1×2 kernel, 2 channels, multiplier 1: HWCM element [0, x, c, 0] = 10*c + x
 * const kernel = Float32Array.from([0, 10, 1, 11]);
 * const w = depthwiseToOihw(kernel, [1, 2, 2, 1]); // dims [2, 1, 1, 2]
 * assert.deepEqual([...w], [0, 1, 10, 11]);
 * ```
 */
export function depthwiseToOihw(k: Float32Array, [kh, kw, c, m]: readonly number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let ch = 0; ch < c; ch++) {
        for (let j = 0; j < m; j++) {
          out[((ch * m + j) * kh + y) * kw + x] = k[((y * kw + x) * c + ch) * m + j];
        }
      }
    }
  }
  return out;
}

/** Per-channel affine `y = x*scale + shift` equivalent to an inference-mode BatchNormalization. */
export interface ChannelAffine {
  scale: Float32Array;
  shift: Float32Array;
}

/**
 * BatchNormalization (inference) as a per-channel affine map, computed in float64.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { scale, shift } = batchNormAffine({
 *   gamma: Float32Array.from([2, 1]),
 *   beta: Float32Array.from([1, 0]),
 *   mean: Float32Array.from([3, 0]),
 *   variance: Float32Array.from([4, 1]),
 *   epsilon: 0,
 * });
 * assert.deepEqual([...scale], [1, 1]); // gamma / sqrt(variance + epsilon)
 * assert.deepEqual([...shift], [-2, 0]); // beta - mean * scale
 * ```
 */
export function batchNormAffine(bn: {
  gamma?: Float32Array;
  beta?: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}): ChannelAffine {
  const n = bn.mean.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const s = (bn.gamma ? bn.gamma[c] : 1) / Math.sqrt(bn.variance[c] + bn.epsilon);
    scale[c] = s;
    shift[c] = (bn.beta ? bn.beta[c] : 0) - bn.mean[c] * s;
  }
  return { scale, shift };
}

/**
 * Folds a per-output-channel affine map into OIHW conv weights (or any weight whose first axis is
 * the output channel) and its bias: `w' = w*scale[o]`, `b' = b*scale + shift`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const weightOihw = Float32Array.from([1, 2, 3, 4]); // 2 output channels × 2 weights
 * const bias = Float32Array.from([1, -1]);
 * const bn = { mean: Float32Array.from([0, 1]), variance: Float32Array.from([4, 0.25]), epsilon: 0 };
 * const folded = foldAffine(weightOihw, bias, batchNormAffine(bn)); // scale [0.5, 2], shift [0, -2]
 * assert.deepEqual([...folded.weight], [0.5, 1, 6, 8]);
 * assert.deepEqual([...folded.bias], [0.5, -4]);
 * ```
 */
export function foldAffine(
  weight: Float32Array,
  bias: Float32Array | undefined,
  { scale, shift }: ChannelAffine,
): { weight: Float32Array; bias: Float32Array } {
  const co = scale.length;
  const per = weight.length / co;
  if (!Number.isInteger(per)) {
    throw new Error(`foldAffine: weight length ${weight.length} is not a multiple of ${co} channels`);
  }
  const w = new Float32Array(weight.length);
  const b = new Float32Array(co);
  for (let o = 0; o < co; o++) {
    const s = scale[o];
    for (let i = 0; i < per; i++) w[o * per + i] = weight[o * per + i] * s;
    b[o] = (bias ? bias[o] : 0) * s + shift[o];
  }
  return { weight: w, bias: b };
}
