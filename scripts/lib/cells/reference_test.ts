import assert from "node:assert/strict";
import { referenceCells } from "./reference.ts";

Deno.test("referenceCells: level and least area are inclusive; dim JPEG noise on black is not a cell", () => {
  const w = 40, h = 20;
  const data = new Uint8Array(w * h * 4);
  const paint = (x0: number, y0: number, x1: number, y1: number, v: number) => {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data.set([v, 0, v, 255], (y * w + x) * 4);
  };
  paint(0, 0, 9, 14, 40); // 150 px at exactly the level: a cell
  paint(20, 0, 29, 14, 39); // 150 px just under it: noise
  paint(31, 0, 39, 15, 200); // 144 px: too small
  assert.deepEqual(referenceCells({ width: w, height: h, data }), [{ x: 4.5, y: 7, area: 150 }]);
  assert.equal(referenceCells({ width: w, height: h, data }, { level: 39 }).length, 2); // the dim block counts too
  assert.equal(referenceCells({ width: w, height: h, data }, { minArea: 144 }).length, 2);
});
