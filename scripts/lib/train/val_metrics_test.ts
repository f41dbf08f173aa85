import assert from "node:assert/strict";
import { improved, valMetrics } from "./val_metrics.ts";

Deno.test("valMetrics / improved", () => {
  const m = valMetrics(new Float32Array([3, 2, -1, -2]), [true, true, false, false]);
  assert.equal(m.auroc, 1);
  assert.equal(m.balancedAccuracy, 1);
  const bad = valMetrics(new Float32Array([-3, 2]), [true, false]);
  assert.equal(bad.sensitivity, 0);
  assert.equal(bad.specificity, 0);
  assert.ok(improved(0.9, 1, -Infinity, Infinity));
  assert.ok(improved(0.99, 0.2, 0.99, 0.3));
  assert.ok(!improved(0.98, 0.1, 0.99, 0.3));
});
