import assert from "node:assert/strict";
import { labelComponents } from "./components.ts";
import { chamferDistance, hMaxima, watershed } from "./watershed.ts";

/** Two discs of radius r centred at (cx1, cy) and (cx2, cy), overlapping into one piece. */
function twoDiscs(w: number, h: number, r: number, cx1: number, cx2: number, cy: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if ((x - cx1) ** 2 + (y - cy) ** 2 <= r * r || (x - cx2) ** 2 + (y - cy) ** 2 <= r * r) m[y * w + x] = 1;
    }
  }
  return m;
}

function split(mask: Uint8Array, w: number, h: number, hPixels: number) {
  const d = chamferDistance(mask, w, h);
  const markers = labelComponents(hMaxima(d, w, h, hPixels * 3), w, h);
  return { markers: markers.count, basins: watershed(d, markers.labels, w, h) };
}

Deno.test("watershed: two touching discs split at the neck; the left pixel goes left, the right goes right", () => {
  const w = 60, h = 30;
  const m = twoDiscs(w, h, 10, 18, 36, 15); // centres 18 apart, radius 10: a neck ~9 px high
  assert.equal(labelComponents(m, w, h).count, 1);
  const { markers, basins } = split(m, w, h, 2);
  assert.equal(markers, 2);
  const left = basins[15 * w + 12], right = basins[15 * w + 42];
  assert.ok(left > 0 && right > 0 && left !== right);
  // the cut is at the neck (x = 27 ± 1)
  let cut = -1;
  for (let x = 9; x < 46; x++) if (basins[15 * w + x] !== left) (cut = x), (x = 99);
  assert.ok(cut >= 26 && cut <= 28, `cut at ${cut}`);
  // every foreground pixel belongs to one of the two
  for (let p = 0; p < w * h; p++) assert.equal(basins[p] > 0, m[p] === 1);
});

Deno.test("hMaxima: a deep h keeps the touching discs as one; one disc is one marker whatever h", () => {
  const w = 60, h = 30;
  assert.equal(split(twoDiscs(w, h, 10, 18, 36, 15), w, h, 9).markers, 1);
  assert.equal(split(twoDiscs(w, h, 10, 25, 25, 15), w, h, 1).markers, 1);
});

Deno.test("chamferDistance/hMaxima: an image-wide blob stays bounded (border = background)", () => {
  const w = 200, h = 100;
  const d = chamferDistance(new Uint8Array(w * h).fill(1), w, h);
  assert.equal(Math.max(...d), 150); // 50 pixels from the nearest border, ×3
  assert.equal(d[0], 3);
});
