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
 * const oihw = hwioToOihw(kernel, [3, 3, 16, 32]); // length 3*3*16*32
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
 * const w = depthwiseToOihw(kernel, [3, 3, 8, 1]); // dims [8, 1, 3, 3]
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
 * const { scale, shift } = batchNormAffine({ gamma, beta, mean, variance, epsilon: 1e-3 });
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
 * const folded = foldAffine(weightOihw, bias, batchNormAffine(bn));
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
