import assert from "node:assert/strict";
import { close, dilate, erode, fillHoles, open } from "./morphology.ts";

/** A w×h mask with the listed rectangles [x0, y0, x1, y1] (inclusive) set. */
function rects(w: number, h: number, ...rs: [number, number, number, number][]): Uint8Array {
  const m = new Uint8Array(w * h);
  for (const [x0, y0, x1, y1] of rs) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * w + x] = 1;
  return m;
}
const sum = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

Deno.test("open: removes a 2-pixel-wide bar but keeps a 5×5 square whole (radius 1 removes < 3 wide)", () => {
  const m = rects(12, 8, [1, 1, 5, 5], [8, 0, 9, 7]);
  const o = open(m, 12, 8, 1);
  assert.deepEqual(o, rects(12, 8, [1, 1, 5, 5]));
  // a 3-wide bar survives radius 1 but not radius 2
  const bar = rects(12, 8, [4, 0, 6, 7]);
  assert.equal(sum(open(bar, 12, 8, 1)), 24);
  assert.equal(sum(open(bar, 12, 8, 2)), 0);
});

Deno.test("close: bridges a 1- and 2-pixel gap at radius 1, not a 3-pixel gap", () => {
  const row = (gap: number) => rects(4 + gap + 4, 1, [0, 0, 3, 0], [4 + gap, 0, 7 + gap, 0]);
  assert.equal(sum(close(row(1), 9, 1, 1)), 9);
  assert.equal(sum(close(row(2), 10, 1, 1)), 10);
  assert.equal(sum(close(row(3), 11, 1, 1)), 8);
});

Deno.test("erode/dilate: windows clipped at the border (a full image stays full; a border pixel dilates inward only)", () => {
  const full = new Uint8Array(20).fill(1);
  assert.equal(sum(erode(full, 5, 4, 3)), 20);
  const corner = new Uint8Array(20);
  corner[0] = 1;
  assert.deepEqual(rects(5, 4, [0, 0, 1, 1]), dilate(corner, 5, 4, 1));
  // radius larger than the image
  assert.equal(sum(dilate(corner, 5, 4, 50)), 20);
  assert.equal(sum(erode(rects(5, 4, [0, 0, 4, 2]), 5, 4, 50)), 0);
});

Deno.test("fillHoles: fills an enclosed hole, not a bay open to the border", () => {
  // ring with a 1×2 hole at the left, and a C open to the right border at the right
  const w = 10, h = 5;
  const m = rects(w, h, [0, 0, 3, 0], [0, 4, 3, 4], [0, 0, 0, 4], [3, 0, 3, 4], [5, 1, 9, 1], [5, 3, 9, 3], [
    5,
    1,
    5,
    3,
  ]);
  const before = sum(m);
  fillHoles(m, w, h);
  assert.equal(sum(m), before + 6); // the ring's 2×3 interior, not the C's bay (x 6..9, y 2)
  assert.equal(m[2 * w + 7], 0);
  assert.equal(m[2 * w + 1], 1);
});
