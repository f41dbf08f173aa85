import assert from "node:assert/strict";
import type { RgbaImage } from "../../../model/core/mod.ts";
import { gaussianBlur, gaussianKernel, magnify, mirrorIndex } from "./geometry.ts";
import { channelMeans, rgbImage, rgbRows, taleqani } from "../../../tests/helpers/shift_fixtures.ts";

/** w×h image with R = fr(x, y), G = fg(x, y), B = 50. */
function image(w: number, h: number, fr: (x: number, y: number) => number, fg: (x: number, y: number) => number) {
  return rgbImage(Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => [fr(x, y), fg(x, y), 50])));
}

Deno.test("blur of an off-centre impulse is the separable Gaussian around it (a transposed result fails)", () => {
  // impulse of 200 at (x 3, y 4) in a 9×10 image; σ 1 → radius 3, no border reaches it
  const img = image(9, 10, (x, y) => (x === 3 && y === 4 ? 200 : 0), () => 0);
  const out = rgbRows(gaussianBlur(img, 1));
  const k = gaussianKernel(1);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 9; x++) {
      const dx = x - 3, dy = y - 4;
      const want = Math.abs(dx) <= 3 && Math.abs(dy) <= 3 ? Math.round(200 * k[dx + 3] * k[dy + 3]) : 0;
      assert.equal(out[y][x][0], want, `(${x}, ${y})`);
      assert.deepEqual(out[y][x].slice(1), [0, 50]);
    }
  }
  assert.equal(out[4][3][0], 32); // 200 · 0.39905² (the normalised 7-tap kernel's centre)
});

Deno.test("blur keeps a real field's channel means (mirrored borders) and σ 0 returns identical pixels", async () => {
  const img = await taleqani("early");
  const m0 = channelMeans(img);
  for (const sigma of [1, 2]) {
    const m = channelMeans(gaussianBlur(img, sigma));
    m.forEach((v, c) => assert.ok(Math.abs(v - m0[c]) < 0.05, `σ ${sigma}, channel ${c}: ${v} vs ${m0[c]}`));
  }
  const same = gaussianBlur(img, 0);
  assert.deepEqual(same.data, img.data);
  assert.notEqual(same.data, img.data);
  assert.throws(() => gaussianBlur(img, -1), /σ must be a finite number ≥ 0/);
});

Deno.test("mirror index reflects with the edge pixel repeated, for any distance", () => {
  const got = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => mirrorIndex(i, 3)).join(" ");
  assert.equal(got, "1 2 2 1 0 0 1 2 2 1 0 0");
});

Deno.test("magnification 1.25 on linear ramps samples the centre 1/1.25 of the field exactly", () => {
  // R = 10 + 3x, G = 20 + 5y: bilinear interpolation reproduces a linear ramp, so every output
  // pixel is the ramp at u = (x + ½ − W/2)/1.25 + W/2 − ½ (and v likewise), rounded.
  const w = 16, h = 12;
  const out = rgbRows(magnify(image(w, h, (x) => 10 + 3 * x, (_, y) => 20 + 5 * y), 1.25));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = (x + 0.5 - w / 2) / 1.25 + w / 2 - 0.5, v = (y + 0.5 - h / 2) / 1.25 + h / 2 - 0.5;
      assert.deepEqual(out[y][x], [Math.round(10 + 3 * u), Math.round(20 + 5 * v), 50], `(${x}, ${y})`);
    }
  }
  assert.deepEqual(out[0][0], [15, 26, 50]); // u = 1.5, v = 1.1: the corner now shows the crop's corner
});

Deno.test("magnification 1.25 of a real field uses only its centre: scrambling the border changes nothing", async () => {
  const img = await taleqani("benign");
  // sampled source positions span 22.3 … 200.7; bilinear reads pixels 22 … 201
  const scrambled: RgbaImage = { width: 224, height: 224, data: new Uint8Array(img.data) };
  for (let y = 0; y < 224; y++) {
    for (let x = 0; x < 224; x++) {
      if (x >= 22 && x <= 201 && y >= 22 && y <= 201) continue;
      scrambled.data.set([(x * 7) % 256, (y * 13) % 256, 0], (y * 224 + x) * 4);
    }
  }
  assert.deepEqual(magnify(scrambled, 1.25).data, magnify(img, 1.25).data);
  const same = magnify(img, 1);
  assert.deepEqual(same.data, img.data);
  assert.notEqual(same.data, img.data);
});

Deno.test("magnification 0.5 averages 2×2 blocks into the centre and mirrors them outwards", () => {
  // 8×6 → 4×3 block means R = 40bx + 20by + 15, G = 14bx + 26by + 10, placed at x 2–5, y 1–3
  const out = rgbRows(magnify(image(8, 6, (x, y) => 20 * x + 10 * y, (x, y) => 7 * x + 13 * y), 0.5));
  const bx = [1, 0, 0, 1, 2, 3, 3, 2], by = [0, 0, 1, 2, 2, 1];
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 8; x++) {
      assert.deepEqual(out[y][x], [40 * bx[x] + 20 * by[y] + 15, 14 * bx[x] + 26 * by[y] + 10, 50], `(${x}, ${y})`);
    }
  }
});

Deno.test("magnification 0.75 of a real field keeps its size and mean colour, and refuses silly scales", async () => {
  const img = await taleqani("early");
  const out = magnify(img, 0.75);
  assert.deepEqual([out.width, out.height, out.data.length], [224, 224, img.data.length]);
  const m0 = channelMeans(img), m = channelMeans(out);
  m.forEach((v, c) => assert.ok(Math.abs(v - m0[c]) < 6, `channel ${c}: ${v} vs ${m0[c]}`));
  assert.throws(() => magnify(img, 0), /scale must be a number in \[0.25, 4\]/);
});
