import assert from "node:assert/strict";
import { jet } from "./colormap.ts";

Deno.test("jet: dark blue at 0, dark red at 1, clamps out-of-range and NaN", () => {
  assert.deepEqual(jet(0), [0, 0, 128]);
  assert.deepEqual(jet(0.5), [128, 255, 128]);
  assert.deepEqual(jet(1), [128, 0, 0]);
  assert.deepEqual(jet(-3), jet(0));
  assert.deepEqual(jet(NaN), jet(0));
  assert.deepEqual(jet(9), jet(1));
});
