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

/** Brute force: the clipped (2r+1)² window of every pixel, all 1 (erode) or any 1 (dilate). */
function bruteForce(m: Uint8Array, w: number, h: number, r: number, erodeOp: boolean): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let all = true, any = false;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          if (m[yy * w + xx]) any = true;
          else all = false;
        }
      }
      out[y * w + x] = (erodeOp ? all : any) ? 1 : 0;
    }
  }
  return out;
}

/** Brute force hole filling: background pixels that no 4-connected background path links to the border become 1. */
function bruteFill(m: Uint8Array, w: number, h: number): Uint8Array {
  const reach = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!m[y * w + x] && (x === 0 || y === 0 || x === w - 1 || y === h - 1)) reach[y * w + x] = 1;
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (m[p] || reach[p]) continue;
        if (
          (x > 0 && reach[p - 1]) || (x < w - 1 && reach[p + 1]) || (y > 0 && reach[p - w]) ||
          (y < h - 1 && reach[p + w])
        ) {
          reach[p] = 1;
          changed = true;
        }
      }
    }
  }
  return Uint8Array.from(m, (v, p) => (v || !reach[p] ? 1 : 0));
}

Deno.test("erode/dilate/fillHoles: equal brute force on random masks (word edges 31–33, 63–65 px; radii 1, 2, 3, larger than the image)", () => {
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const sizes: [number, number][] = [[1, 1], [1, 7], [7, 1], [31, 5], [32, 6], [33, 9], [63, 4], [64, 3], [65, 11], [
    40,
    37,
  ]];
  for (const [w, h] of sizes) {
    for (const density of [0.3, 0.6, 0.9]) {
      const m = Uint8Array.from({ length: w * h }, () => (rand() < density ? 1 : 0));
      for (const r of [1, 2, 3, 40]) {
        for (const [name, op, isErode] of [["erode", erode, true], ["dilate", dilate, false]] as const) {
          const got = op(m, w, h, r), want = bruteForce(m, w, h, r, isErode);
          const first = got.findIndex((v, i) => v !== want[i]);
          assert.equal(
            first,
            -1,
            `${name} r=${r} on ${w}×${h} (density ${density}): pixel ${first} is ${got[first]}, brute force ${
              want[first]
            }`,
          );
        }
      }
      const got = fillHoles(m.slice(), w, h), want = bruteFill(m, w, h);
      const first = got.findIndex((v, i) => v !== want[i]);
      assert.equal(
        first,
        -1,
        `fillHoles on ${w}×${h} (density ${density}): pixel ${first} is ${got[first]}, brute force ${want[first]}`,
      );
    }
  }
});
