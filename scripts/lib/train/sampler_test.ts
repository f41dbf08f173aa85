import assert from "node:assert/strict";
import { classWeights, epochBatches } from "./sampler.ts";

Deno.test("epochBatches: balanced sampling alternates classes, deterministic per (seed, epoch)", () => {
  const labels = [...Array(90).fill(true), ...Array(10).fill(false)];
  const b1 = epochBatches(labels, 10, 1, 0, "sample");
  assert.deepEqual(b1, epochBatches(labels, 10, 1, 0, "sample"));
  assert.notDeepEqual(b1, epochBatches(labels, 10, 1, 1, "sample"));
  assert.equal(b1.length, 10);
  for (const b of b1) assert.equal(b.filter((i) => labels[i]).length, 5);
  const plain = epochBatches(labels, 32, 1, 0, "none");
  assert.deepEqual(plain.map((b) => b.length), [32, 32, 32]);
  const w = classWeights(labels, "weight");
  assert.ok(Math.abs(w.pos * 90 - w.neg * 10) < 1e-9);
});
