import assert from "node:assert/strict";
import { fitLogistic, logisticLogit, solveLinear } from "./logistic.ts";

Deno.test("solveLinear and logistic regression", () => {
  const s = solveLinear([[2, 1], [1, 3]], [3, 5]);
  assert.ok(Math.abs(s[0] - 0.8) < 1e-12 && Math.abs(s[1] - 1.4) < 1e-12);
  // overlapping 1-D classes: the fitted boundary sits at the midpoint by symmetry
  const x = [[0], [1], [2], [3], [1.5], [2.5], [3.5], [4.5]];
  const y = [false, false, false, false, true, true, true, true];
  const m = fitLogistic(x, y, { l2: 0.01 });
  assert.ok(Math.abs(logisticLogit(m, [2.25])) < 1e-6);
  assert.ok(logisticLogit(m, [4]) > 0 && logisticLogit(m, [0.5]) < 0);
  // the gradient at the optimum is ~0 (unpenalised bias): mean p equals mean y
  const meanP = x.reduce((a, r) => a + 1 / (1 + Math.exp(-logisticLogit(m, r))), 0) / x.length;
  assert.ok(Math.abs(meanP - 0.5) < 1e-9);
});
