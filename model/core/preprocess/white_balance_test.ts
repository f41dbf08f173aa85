import assert from "node:assert/strict";
import { decodeImage } from "../image/decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import type { PreprocessSpec } from "./spec.ts";
import { normalizeToTensor, toFloatRgb } from "./preprocess.ts";
import { whiteBalance, whitePoint } from "./white_balance.ts";

Deno.test("whitePoint averages the brightest pixels by luma; bad fractions are refused", () => {
  const img = {
    width: 4,
    height: 1,
    data: new Float32Array([1, 0.9, 0.8, 0.2, 0.2, 0.2, 0.96, 0.9, 0.84, 0.1, 0.3, 0.2]),
  };
  const wp = whitePoint(img, 0.5);
  [0.98, 0.9, 0.82].forEach((v, c) => assert.ok(Math.abs(wp[c] - v) < 1e-6, `${wp}`));
  assert.throws(() => whitePoint(img, 0), /brightFraction must be in \(0, 0.5\]/);
  assert.throws(() => whitePoint(img, 0.9), /brightFraction/);
});

Deno.test("whiteBalance makes the background neutral and leaves a black image alone", () => {
  const warm = { width: 2, height: 1, data: new Float32Array([1, 0.9, 0.8, 0.5, 0.3, 0.4]) };
  const out = whiteBalance(warm, { brightFraction: 0.5 }).data;
  [0.9, 0.9, 0.9].forEach((v, c) => assert.ok(Math.abs(out[c] - v) < 1e-6, `${out}`));
  const black = { width: 1, height: 1, data: new Float32Array([0, 0, 0]) };
  assert.deepEqual(whiteBalance(black, { brightFraction: 0.5 }).data, black.data);
});

Deno.test("white balance removes a lamp colour cast from a real cell's model input", async () => {
  const img = await decodeImage(await fixture("taleqani_Benign_WBC-Benign-001.jpg"));
  const spec: PreprocessSpec = {
    size: 64,
    crop: "none",
    resize: "area",
    channelOrder: "RGB",
    alphaBackground: 0,
    colorMode: "relative-chroma",
    normalization: { mode: "per-image", minStd: 0.01 },
  };
  const resized = toFloatRgb(img, spec);
  // a cooler lamp, without clipping: R × 0.93, B × 1.0, G × 0.97
  const cast = { ...resized, data: resized.data.map((v, i) => v * [0.93, 0.97, 1][i % 3]) };
  const change = (s: PreprocessSpec) => {
    const a = normalizeToTensor(resized, s, "NCHW"), b = normalizeToTensor(cast, s, "NCHW");
    let d = 0, n = 0;
    for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2, n += a[i] ** 2;
    return Math.sqrt(d / n);
  };
  const without = change(spec), withWb = change({ ...spec, whiteBalance: { brightFraction: 0.1 } });
  assert.ok(without > 0.1, `the cast should move the unbalanced input (moved ${without})`);
  assert.ok(withWb < without / 4, `white balance should remove most of it (${withWb} vs ${without})`);
});
