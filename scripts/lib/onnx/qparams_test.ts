import assert from "node:assert/strict";
import { activationQParams, quantile, quantizeBias, quantizeWeightPerChannel, roundHalfEven } from "./qparams.ts";

Deno.test("roundHalfEven matches ONNX QuantizeLinear rounding", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, -2, 2, 3]);
});

Deno.test("activationQParams: uint8 range includes 0 and maps it exactly", () => {
  assert.deepEqual(activationQParams(0, 6), { scale: Math.fround(6 / 255), zeroPoint: 0 });
  assert.equal(activationQParams(-1, 3).zeroPoint, 64); // 1 / (4/255) = 63.75
  assert.equal(activationQParams(2, 4).zeroPoint, 0); // widened to [0, 4]
  assert.equal(activationQParams(-3, -1).zeroPoint, 255);
  assert.ok(activationQParams(0, 0).scale > 0);
  assert.throws(() => activationQParams(0, Infinity), /not finite/);
});

Deno.test("per-channel weights: each channel's max maps to ±127, error within half a step", () => {
  const w = new Float32Array([0.5, -1, 0.25, 0.01, 0.02, -0.03, 0, 0, 0]);
  const { data, scales } = quantizeWeightPerChannel(w, 3);
  assert.equal(data[1], -127);
  assert.equal(data[5], -127);
  assert.equal(scales[2], 1); // all-zero channel
  for (let i = 0; i < w.length; i++) {
    assert.ok(Math.abs(data[i] * scales[Math.floor(i / 3)] - w[i]) <= scales[Math.floor(i / 3)] / 2 + 1e-9);
  }
});

Deno.test("bias: int32 with scale input_scale × weight_scale", () => {
  const { data, scales } = quantizeBias(new Float32Array([0.1, -0.2]), 0.02, new Float32Array([0.01, 0.5]));
  assert.deepEqual([...scales], [Math.fround(0.0002), Math.fround(0.01)]);
  assert.deepEqual([...data], [500, -20]);
});

Deno.test("quantile picks order statistics", () => {
  const v = Float32Array.from({ length: 101 }, (_, i) => 100 - i);
  assert.equal(quantile(v, 0), 0);
  assert.equal(quantile(v, 1), 100);
  assert.equal(quantile(v, 0.9), 90);
});
