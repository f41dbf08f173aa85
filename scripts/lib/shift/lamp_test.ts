import assert from "node:assert/strict";
import { lampShift } from "./lamp.ts";

const px = (...rgb: number[]) => ({ width: rgb.length / 3, height: 1, data: new Float32Array(rgb) });
const near = (a: ArrayLike<number>, b: number[], tol = 1e-6) =>
  assert.ok(b.every((v, i) => Math.abs(a[i] - v) <= tol), `${Array.from(a)} ≉ ${b}`);

Deno.test("lampShift: channel gains clip at 1, stain strength is a power on intensity", () => {
  near(lampShift(px(0.5, 0.5, 0.95), { gain: [1.1, 1, 1.1] }).data, [0.55, 0.5, 1]);
  // OD × 2 on intensity 0.5: OD = ln 2 → 2 ln 2 → 0.25; white stays white
  near(lampShift(px(0.5, 1, 0.25), { stain: 2 }).data, [0.25, 1, 0.0625]);
  const src = px(0.2, 0.4, 0.6);
  assert.deepEqual(lampShift(src, {}).data, src.data);
  assert.throws(() => lampShift(src, { stain: 0 }), /stain factor must be > 0/);
  assert.throws(() => lampShift(src, { gain: [1, -1, 1] }), /gains must be finite/);
  assert.throws(() => lampShift(src, { blur: 0.5 }), /whole number/);
});

Deno.test("lampShift blur keeps a flat image flat and spreads a point by [1 2 1]/4 per axis", () => {
  const flat = { width: 3, height: 3, data: new Float32Array(27).fill(0.4) };
  near(lampShift(flat, { blur: 2 }).data, new Array(27).fill(0.4));
  const dot = { width: 3, height: 3, data: new Float32Array(27) };
  dot.data.fill(1, 12, 15); // centre pixel white
  const out = lampShift(dot, { blur: 1 }).data;
  near([out[12], out[9], out[0]], [0.25, 0.125, 0.0625]);
});
