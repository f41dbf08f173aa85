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
