import assert from "node:assert/strict";
import { jet, jetCssGradient } from "./colormap.ts";

Deno.test("jet: dark blue at 0, dark red at 1, clamps out-of-range and NaN", () => {
  assert.deepEqual(jet(0), [0, 0, 128]);
  assert.deepEqual(jet(0.5), [128, 255, 128]);
  assert.deepEqual(jet(1), [128, 0, 0]);
  assert.deepEqual(jet(-3), jet(0));
  assert.deepEqual(jet(NaN), jet(0));
  assert.deepEqual(jet(9), jet(1));
});

Deno.test("jetCssGradient: the overlay's colours at evenly spaced stops, ends included", () => {
  const g = jetCssGradient(5);
  assert.equal(
    g,
    "linear-gradient(to right, rgb(0,0,128) 0%, rgb(0,128,255) 25%, rgb(128,255,128) 50%, rgb(255,128,0) 75%, rgb(128,0,0) 100%)",
  );
  assert.deepEqual(jet(0.25), [0, 128, 255]);
  assert.throws(() => jetCssGradient(1), RangeError);
});
