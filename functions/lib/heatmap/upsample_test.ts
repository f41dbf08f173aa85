import assert from "node:assert/strict";
import { bilinearResize } from "./upsample.ts";

Deno.test("bilinearResize: half-pixel centres, edges clamped", () => {
  const up = bilinearResize({ width: 2, height: 1, data: new Float32Array([0, 1]) }, 4, 1);
  assert.deepEqual(Array.from(up.data), [0, 0.25, 0.75, 1]);
  const same = bilinearResize({ width: 2, height: 2, data: new Float32Array([1, 2, 3, 4]) }, 2, 2);
  assert.deepEqual(Array.from(same.data), [1, 2, 3, 4]);
  const v = bilinearResize({ width: 2, height: 2, data: new Float32Array([0, 0, 4, 4]) }, 1, 4);
  assert.deepEqual(Array.from(v.data), [0, 1, 3, 4]);
});

Deno.test("bilinearResize: refuses data of the wrong length", () => {
  assert.throws(() => bilinearResize({ width: 3, height: 3, data: new Float32Array(4) }, 2, 2), RangeError);
});

Deno.test("bilinearResize: a grid moves each cell to where it lies, per axis", () => {
  // the default grid, written out, gives the default answer exactly
  const src = { width: 2, height: 2, data: new Float32Array([1, 2, 3, 4]) };
  const even = bilinearResize(src, 4, 4, { origin: [1, 1], step: [2, 2] });
  assert.deepEqual(Array.from(even.data), Array.from(bilinearResize(src, 4, 4).data));
  // cells shifted right by 1 px on x only: pixels left of the first centre (x = 2) take cell 0
  const row = bilinearResize({ width: 2, height: 1, data: new Float32Array([0, 8]) }, 4, 1, {
    origin: [2, 0.5],
    step: [2, 1],
  });
  assert.deepEqual(Array.from(row.data), [0, 0, 2, 6]);
  // y grid applies to rows, not columns (a transposed map must fail)
  const col = bilinearResize({ width: 1, height: 2, data: new Float32Array([0, 8]) }, 1, 4, {
    origin: [0.5, 2],
    step: [1, 2],
  });
  assert.deepEqual(Array.from(col.data), [0, 0, 2, 6]);
});
