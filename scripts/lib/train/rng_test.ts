import assert from "node:assert/strict";
import { makeRng, mixSeed, shuffled } from "./rng.ts";

Deno.test("rng: same seed same sequence; shuffle is a permutation", () => {
  const a = makeRng(5), b = makeRng(5);
  for (let i = 0; i < 10; i++) assert.equal(a(), b());
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  assert.deepEqual(shuffled([1, 2, 3, 4, 5], makeRng(1)).sort(), [1, 2, 3, 4, 5]);
});
