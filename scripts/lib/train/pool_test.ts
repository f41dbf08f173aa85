import assert from "node:assert/strict";
import { combineReplies, shardRanges } from "./pool.ts";

Deno.test("shardRanges / combineReplies: gradients add, statistics average by shard size", () => {
  assert.deepEqual(shardRanges(5, 2), [[0, 3], [3, 5]]);
  assert.deepEqual(shardRanges(1, 2), [[0, 1]]);
  const mask = new Uint8Array([1, 0]);
  const r = combineReplies([
    { grads: new Float32Array([1, 10]), lossSum: 1, bceSum: 1, correct: 1, n: 3 },
    { grads: new Float32Array([2, 20]), lossSum: 2, bceSum: 2, correct: 0, n: 1 },
  ], mask);
  assert.equal(r.grads[0], 3);
  assert.equal(r.grads[1], 12.5);
  assert.equal(r.n, 4);
  assert.equal(r.lossSum, 3);
});
