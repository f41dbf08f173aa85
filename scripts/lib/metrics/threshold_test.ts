import assert from "node:assert/strict";
import { confusionAt, rates } from "./confusion.ts";
import { chooseOperatingPoint, thresholdForSensitivity, thresholdForSpecificity } from "./threshold.ts";
import { close, rows } from "../../../tests/helpers/scored.ts";

Deno.test("threshold for target sensitivity / specificity", () => {
  assert.equal(thresholdForSensitivity(rows, 0.5), 0.8);
  assert.equal(thresholdForSensitivity(rows, 0.75), 0.6);
  assert.equal(thresholdForSensitivity(rows, 0.99), 0.3);
  const t = thresholdForSpecificity(rows, 0.6);
  assert.ok(t > 0.4 && t < 0.40000001);
  close(rates(confusionAt(rows, t)).specificity, 0.6);
  assert.equal(rates(confusionAt(rows, 0.4)).specificity, 0.4);
  const op = chooseOperatingPoint(rows);
  assert.equal(op.threshold, 0.3);
  assert.equal(op.reviewBand[0], 0.3);
  assert.ok(op.reviewBand[1] > 0.7 && op.reviewBand[1] < 0.7000001);
  assert.equal(rates(confusionAt(rows, op.reviewBand[1])).specificity, 1);
  assert.throws(() => thresholdForSensitivity([{ score: 1, positive: false }], 0.99), /no `all` examples/);
});
