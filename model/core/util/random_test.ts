import assert from "node:assert/strict";
import { seededRandom } from "./random.ts";

Deno.test("seededRandom: same seed → same sequence, different seed → different, values in [0, 1)", () => {
  const a = seededRandom(7), b = seededRandom(7), c = seededRandom(8);
  const sa = Array.from({ length: 1000 }, a),
    sb = Array.from({ length: 1000 }, b),
    sc = Array.from({ length: 1000 }, c);
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.ok(sa.every((v) => v >= 0 && v < 1));
  const mean = sa.reduce((s, v) => s + v, 0) / sa.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});
