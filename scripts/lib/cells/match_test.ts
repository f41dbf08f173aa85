import assert from "node:assert/strict";
import { addCounts, inside, matchField, metricsOf, ZERO_COUNTS } from "./match.ts";

Deno.test("inside: a box covers its pixels' centres, half a pixel either side, no more", () => {
  const b = { x: 10, y: 20, width: 5, height: 3 };
  assert.ok(inside(b, 10, 20) && inside(b, 14, 22) && inside(b, 14.5, 22.5) && inside(b, 9.5, 19.5));
  assert.ok(!inside(b, 14.6, 22) && !inside(b, 9.4, 21) && !inside(b, 12, 22.6));
});

Deno.test("matchField: one box over two cells counts both found and one hit; an empty box is a miss", () => {
  const boxes = [{ x: 0, y: 0, width: 40, height: 20 }, { x: 100, y: 100, width: 10, height: 10 }];
  const ref = [{ x: 5, y: 5, area: 300 }, { x: 30, y: 10, area: 300 }, { x: 60, y: 60, area: 300 }];
  const c = matchField(boxes, ref);
  assert.deepEqual(c, { fields: 1, reference: 3, found: 2, boxes: 2, hits: 1 });
  const m = metricsOf(addCounts(addCounts(ZERO_COUNTS, c), matchField([], [])));
  assert.equal(m.fields, 2);
  assert.equal(m.recall.toFixed(4), "0.6667");
  assert.equal(m.precision, 0.5);
  assert.equal(m.boxesPerField, 1);
  assert.equal(metricsOf(ZERO_COUNTS).recall, 0);
});
