import assert from "node:assert/strict";
import { addToMean, floatToRgba, meanOf, montage } from "./images.ts";
import { solid } from "../../../tests/helpers/report.ts";

Deno.test("montage places tiles in a grid with gaps; mean image averages", () => {
  const m = montage([solid(2, 2, [255, 0, 0]), solid(2, 2, [0, 255, 0]), solid(2, 2, [0, 0, 255])], 2, 1);
  assert.deepEqual([m.width, m.height], [2 * 2 + 3, 2 * 2 + 3]);
  const px = (x: number, y: number) => [...m.data.subarray((y * m.width + x) * 4, (y * m.width + x) * 4 + 3)];
  assert.deepEqual(px(0, 0), [255, 255, 255]); // gap
  assert.deepEqual(px(1, 1), [255, 0, 0]);
  assert.deepEqual(px(4, 1), [0, 255, 0]);
  assert.deepEqual(px(1, 4), [0, 0, 255]);
  assert.deepEqual(px(4, 4), [255, 255, 255]); // empty slot
  const f = (v: number) => ({ width: 1, height: 1, data: new Float32Array([v, v, v]) });
  assert.deepEqual([...floatToRgba(meanOf(addToMean(addToMean(undefined, f(0)), f(1)))).data], [128, 128, 128, 255]);
});
