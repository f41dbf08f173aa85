/**
 * Quantisation arithmetic (pure): activation ranges → uint8 scale/zero point, per-channel
 * symmetric int8 weights, int32 biases, and ONNX's round-half-to-even.
 *
 * @module
 */

/** Scale and zero point of an asymmetric uint8 activation. */
export interface ActivationQParams {
  scale: number;
  zeroPoint: number;
}

/**
 * Round half to even, as ONNX QuantizeLinear does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(roundHalfEven(2.5), 2);
 * assert.equal(roundHalfEven(3.5), 4);
 * assert.equal(roundHalfEven(-2.5), -2);
 * assert.equal(roundHalfEven(2.4), 2);
 * ```
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * uint8 asymmetric parameters for values in [min, max]; the range is widened to include 0 so that
 * 0 (padding, ReLU) is exact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(activationQParams(0, 6), { scale: Math.fround(6 / 255), zeroPoint: 0 });
 * // 1 / fround(2/255) is 127.49999…, so the zero point is 127
 * assert.deepEqual(activationQParams(-1, 1), { scale: Math.fround(2 / 255), zeroPoint: 127 });
 * assert.equal(activationQParams(2, 6).zeroPoint, 0); // widened to [0, 6]
 * assert.throws(() => activationQParams(0, NaN), /not finite/);
 * ```
 */
export function activationQParams(min: number, max: number): ActivationQParams {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new Error(`activationQParams: range [${min}, ${max}] is not finite; check the calibration data for NaN/Inf`);
  }
  const lo = Math.min(min, 0);
  let hi = Math.max(max, 0);
  if (hi - lo < 1e-8) hi = lo + 1e-8;
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.max(0, Math.min(255, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

/** Per-output-channel symmetric int8 weights. */
export interface QuantizedWeight {
  data: Int8Array;
  /** One scale per channel (float32-exact values). */
  scales: Float32Array;
}

/**
 * Quantises a weight whose first axis is the output channel, per channel, symmetric,
 * to [-qmax, qmax] (zero point 0; qmax 127, or 63 for "reduce range").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const w = Float32Array.from([0.5, -1, 0.25, 0, 2, -2]); // 2 output channels × 3 weights
 * const { data, scales } = quantizeWeightPerChannel(w, 2);
 * assert.deepEqual([...scales], [Math.fround(1 / 127), Math.fround(2 / 127)]); // max |w| / 127 per channel
 * assert.deepEqual([...data], [64, -127, 32, 0, 127, -127]); // 0.5 / scales[0] is 63.5000002 → 64
 * ```
 */
export function quantizeWeightPerChannel(w: Float32Array, channels: number, qmax = 127): QuantizedWeight {
  const per = w.length / channels;
  if (!Number.isInteger(per)) {
    throw new Error(`quantizeWeightPerChannel: ${w.length} weights do not split into ${channels} channels`);
  }
  const data = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[c * per + i]));
    const s = Math.fround(m > 0 ? m / qmax : 1);
    scales[c] = s;
    for (let i = 0; i < per; i++) {
      data[c * per + i] = Math.max(-qmax, Math.min(qmax, roundHalfEven(w[c * per + i] / s)));
    }
  }
  return { data, scales };
}

/**
 * int32 bias with per-channel scale `inputScale * weightScale[c]` (what QLinearConv expects).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bias = Float32Array.from([0.1, -0.05]);
 * const weightScales = Float32Array.from([0.5, 0.25]);
 * const { data, scales } = quantizeBias(bias, 0.02, weightScales);
 * assert.deepEqual([...scales], [Math.fround(0.01), Math.fround(0.005)]); // inputScale * weightScale
 * assert.deepEqual([...data], [10, -10]);
 * ```
 */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { data: Int32Array; scales: Float32Array } {
  const data = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = Math.fround(inputScale * weightScales[c]);
    scales[c] = s;
    data[c] = Math.max(-2147483647, Math.min(2147483647, roundHalfEven(bias[c] / s)));
  }
  return { data, scales };
}

/**
 * Value at quantile `q` (0–1) of `values` (a copy is sorted; large arrays are strided-subsampled to
 * about `maxSamples` values first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(quantile(new Float32Array([5, 1, 4, 2, 3]), 0.5), 3);
 * assert.equal(quantile(new Float32Array([5, 1, 4, 2, 3]), 1), 5);
 * assert.throws(() => quantile(new Float32Array(0), 0.5), /no values/);
 * ```
 */
export function quantile(values: Float32Array, q: number, maxSamples = 200_000): number {
  if (values.length === 0) throw new Error("quantile: no values");
  const step = Math.max(1, Math.floor(values.length / maxSamples));
  const sample = new Float32Array(Math.ceil(values.length / step));
  for (let i = 0, j = 0; i < values.length; i += step, j++) sample[j] = values[i];
  sample.sort();
  const pos = Math.min(sample.length - 1, Math.max(0, Math.round(q * (sample.length - 1))));
  return sample[pos];
}
