import assert from "node:assert/strict";
import { hsvToRgb, rgbToHsv, shiftColors } from "./hsv.ts";

const px = (...rgb: number[]) => ({ width: rgb.length / 3, height: 1, data: new Float32Array(rgb) });
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

Deno.test("identity shifts return an equal copy", () => {
  const img = px(0.2, 0.5, 0.9, 1, 0, 0.3);
  const out = shiftColors(img, { brightness: 1, saturation: 1, hue: 0 });
  assert.deepEqual(out.data, img.data);
  assert.notEqual(out.data, img.data);
  close(shiftColors(img, { hue: 1 }).data, Array.from(img.data), 1e-6); // a full turn
});

Deno.test("brightness scales RGB linearly below saturation and keeps hue when clipping", () => {
  close(shiftColors(px(0.2, 0.4, 0.8), { brightness: 0.9 }).data, [0.18, 0.36, 0.72]);
  close(shiftColors(px(0.2, 0.4, 0.5), { brightness: 1.1 }).data, [0.22, 0.44, 0.55]);
  // V = 0.8 × 1.5 clips at 1: the pixel is scaled by 1/0.8, channels keep their ratios
  close(shiftColors(px(0.2, 0.4, 0.8), { brightness: 1.5 }).data, [0.25, 0.5, 1]);
});

Deno.test("saturation 0 gives grey at the pixel's value; saturation factor scales max-min", () => {
  close(shiftColors(px(0.9, 0.3, 0.6), { saturation: 0 }).data, [0.9, 0.9, 0.9]);
  // S = 0.6/0.9; ×0.5 → min = 0.9·(1 - S/2) = 0.6; mid channel keeps its hue position
  close(shiftColors(px(0.9, 0.3, 0.6), { saturation: 0.5 }).data, [0.9, 0.6, 0.75]);
  close(shiftColors(px(0.5, 0.25, 0.25), { saturation: 3 }).data, [0.5, 0, 0]); // S clamps at 1
});

Deno.test("hue rotation: 1/3 turns red into green, -1/3 into blue, 0.05 is 18 degrees", () => {
  close(shiftColors(px(1, 0, 0), { hue: 1 / 3 }).data, [0, 1, 0], 1e-6);
  close(shiftColors(px(1, 0, 0), { hue: -1 / 3 }).data, [0, 0, 1], 1e-6);
  // red rotated by 18°: H = 0.05 → sector 0, f = 0.3 → G = 0.3
  close(shiftColors(px(1, 0, 0), { hue: 0.05 }).data, [1, 0.3, 0], 1e-6);
  close(shiftColors(px(1, 0, 0), { hue: -0.05 }).data, [1, 0, 0.3], 1e-6);
});

Deno.test("HSV conversion round-trips and outputs stay in [0, 1]", () => {
  const hsv: [number, number, number] = [0, 0, 0];
  const rgb: [number, number, number] = [0, 0, 0];
  for (const c of [[0, 0, 0], [1, 1, 1], [0.1, 0.7, 0.3], [0.9, 0.2, 0.95], [0.5, 0.5, 0.4]]) {
    rgbToHsv(c[0], c[1], c[2], hsv);
    close(hsvToRgb(hsv[0], hsv[1], hsv[2], rgb), c, 1e-6);
  }
  const many = new Float32Array(300).map((_, i) => (i * 0.618) % 1);
  const out = shiftColors({ width: 100, height: 1, data: many }, { brightness: 1.3, saturation: 1.3, hue: 0.05 });
  assert.ok(out.data.every((v) => v >= 0 && v <= 1));
});

Deno.test("invalid factors are refused with a clear message", () => {
  assert.throws(() => shiftColors(px(0, 0, 0), { brightness: -1 }), /brightness factor/);
  assert.throws(() => shiftColors(px(0, 0, 0), { hue: NaN }), /hue shift/);
});
