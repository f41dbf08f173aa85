import assert from "node:assert/strict";
import { colourFeatures } from "./features.ts";

Deno.test("colourFeatures: joint histogram, means and stds", () => {
  const f = colourFeatures({ width: 2, height: 1, data: new Float32Array([0, 0, 0, 1, 1, 1]) }, 2);
  assert.deepEqual(f, [0.5, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  // pure red (1, 0, 0) with 4 bins: bin (3,0,0) = 48
  const red = colourFeatures({ width: 1, height: 1, data: new Float32Array([1, 0, 0]) }, 4);
  assert.equal(red.length, 64 + 6);
  assert.equal(red[48], 1);
  assert.throws(() => colourFeatures({ width: 2, height: 2, data: new Float32Array(3) }), /does not match/);
});
