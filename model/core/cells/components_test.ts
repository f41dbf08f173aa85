import assert from "node:assert/strict";
import { labelComponents } from "./components.ts";

Deno.test("labelComponents: 8-connected (a diagonal joins), boxes and areas exact, labels in scan order", () => {
  const w = 6;
  const m = new Uint8Array([
    0,
    1,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
    0,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
  ]);
  const c = labelComponents(m, w, 4);
  assert.equal(c.count, 3);
  assert.deepEqual([...c.areas], [2, 4, 2]);
  assert.deepEqual(c.boxes, [
    { x: 0, y: 0, width: 2, height: 2 },
    { x: 3, y: 1, width: 3, height: 2 },
    { x: 0, y: 3, width: 2, height: 1 },
  ]);
  assert.equal(c.labels[1], 1);
  assert.equal(c.labels[0], 0);
  assert.equal(c.labels[2 * w + 5], 2);
});

Deno.test("labelComponents: a checkerboard is one 8-connected piece; isolated specks are many (no recursion)", () => {
  const w = 300, h = 300;
  const checker = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) checker[y * w + x] = (x + y) % 2;
  assert.equal(labelComponents(checker, w, h).count, 1);
  const specks = new Uint8Array(w * h);
  for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) specks[y * w + x] = 1;
  const c = labelComponents(specks, w, h);
  assert.equal(c.count, 150 * 150);
  assert.equal(c.areas[c.count - 1], 1);
  // one image-wide piece (a deep flood) is one component
  assert.equal(labelComponents(new Uint8Array(w * h).fill(1), w, h).boxes[0].width, w);
});
