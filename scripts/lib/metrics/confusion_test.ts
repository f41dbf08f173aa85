import assert from "node:assert/strict";
import { confusionAt, rates } from "./confusion.ts";
import { close, rows } from "../../../tests/helpers/scored.ts";

Deno.test("confusion matrix and rates at 0.5 (hand-computed)", () => {
  const c = confusionAt(rows, 0.5);
  assert.deepEqual(c, { tp: 3, fn: 1, fp: 2, tn: 3 });
  const r = rates(c);
  close(r.accuracy, 6 / 9);
  close(r.sensitivity, 0.75);
  close(r.specificity, 0.6);
  close(r.precision, 0.6);
  close(r.npv, 0.75);
  close(r.f1, 6 / 9);
  close(r.f1Normal, 6 / 9);
  close(r.weightedF1, 2 / 3);
  close(r.balancedAccuracy, 0.675);
  // unequal supports: tp 8 fn 2 fp 1 tn 4 → F1(all)=16/19, F1(normal)=8/11, weighted (10·16/19 + 5·8/11)/15
  const w = rates({ tp: 8, fn: 2, fp: 1, tn: 4 });
  close(w.f1, 16 / 19);
  close(w.f1Normal, 8 / 11);
  close(w.weightedF1, (10 * 16 / 19 + 5 * 8 / 11) / 15);
  assert.ok(Number.isNaN(rates({ tp: 0, fn: 0, fp: 1, tn: 1 }).sensitivity));
});
