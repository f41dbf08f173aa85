import assert from "node:assert/strict";
import { squaredDistance } from "./distance.ts";

/** Brute force: the squared distance to the nearest background pixel, or Infinity. */
function bruteForce(mask: Uint8Array, w: number, h: number): number[] {
  const bg: [number, number][] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (!mask[y * w + x]) bg.push([x, y]);
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = Infinity;
      if (mask[y * w + x]) { for (const [bx, by] of bg) best = Math.min(best, (bx - x) ** 2 + (by - y) ** 2); }
      else best = 0;
      out.push(best);
    }
  }
  return out;
}

Deno.test("squaredDistance: equals brute force on random masks of several shapes", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (const [w, h, density] of [[17, 9, 0.9], [9, 17, 0.7], [31, 23, 0.97], [1, 12, 0.8], [12, 1, 0.5]] as const) {
    const mask = Uint8Array.from({ length: w * h }, () => (rand() < density ? 1 : 0));
    mask[0] = 0; // at least one background pixel
    const got = [...squaredDistance(mask, w, h)];
    const want = bruteForce(mask, w, h);
    const first = got.findIndex((v, i) => v !== want[i]);
    assert.equal(first, -1, `${w}×${h}: pixel ${first} is ${got[first]}, brute force ${want[first]}`);
  }
});

Deno.test("squaredDistance: a disc of radius 6 holds 37 in its centre, the border is not background", () => {
  const w = 40, h = 30, mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mask[y * w + x] = (x - 12) ** 2 + (y - 15) ** 2 <= 36 ? 1 : 0;
  // a band touching the right border: only the inside edge is background
  for (let y = 0; y < h; y++) for (let x = 35; x < w; x++) mask[y * w + x] = 1;
  const d = squaredDistance(mask, w, h);
  assert.equal(d[15 * w + 12], 37); // the nearest background pixels, at 6² + 1² (e.g. (18, 16)), lie just outside
  assert.equal(d[15 * w + 39], 25); // 5 px from x = 34, not 1 px from the border
  assert.throws(() => squaredDistance(new Uint8Array(5), 2, 2), /2×2 mask needs 4 values, got 5/);
});
