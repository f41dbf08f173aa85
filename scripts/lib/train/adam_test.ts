import assert from "node:assert/strict";
import { adamStep, cosineLr, newAdamState } from "./adam.ts";

Deno.test("adamStep: moves trainable params against the gradient only; cosineLr warms up and decays", () => {
  const p = new Float32Array([1, 1, 1]);
  const s = newAdamState(3);
  adamStep(p, new Float32Array([1, -1, 5]), s, { lr: 0.1 }, new Uint8Array([1, 1, 0]));
  assert.ok(Math.abs(p[0] - 0.9) < 1e-5 && Math.abs(p[1] - 1.1) < 1e-5 && p[2] === 1);
  assert.equal(s.t, 1);
  assert.ok(cosineLr(1, 0.5, 10, 1) < cosineLr(1, 1, 10, 1));
  assert.ok(cosineLr(1, 9.9, 10, 1) < 0.05);
});
