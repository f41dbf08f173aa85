import assert from "node:assert/strict";
import { ece, fitTemperature, meanNll, reliabilityTable, sigmoid } from "./calibration.ts";
import { close } from "../../../tests/helpers/scored.ts";

Deno.test("ECE and reliability table (15 bins)", () => {
  const two = [{ score: 0.8, positive: true }, { score: 0.8, positive: false }];
  close(ece(two), 0.3);
  close(ece([...two, { score: 0.1, positive: false }]), (2 / 3) * 0.3 + (1 / 3) * 0.1);
  const t = reliabilityTable([...two, { score: 1, positive: true }]);
  assert.equal(t.length, 15);
  assert.equal(t[12].count, 2);
  assert.equal(t[14].count, 1); // p = 1 lands in the last bin
  close(ece([{ score: 1, positive: true }, { score: 0, positive: false }]), 0);
});

Deno.test("temperature scaling finds the NLL minimum", () => {
  // logit ±2, right 3 times out of 4 → best p = 0.75 → 2/T = ln 3
  const data = [
    ...Array(3).fill({ logit: 2, positive: true }),
    { logit: 2, positive: false },
    ...Array(3).fill({ logit: -2, positive: false }),
    { logit: -2, positive: true },
  ];
  const T = fitTemperature(data);
  close(T, 2 / Math.log(3), 1e-5);
  assert.ok(meanNll(data, T) < meanNll(data, 1));
  close(meanNll([{ logit: 0, positive: true }], 1), Math.log(2));
  close(sigmoid(2, 2), sigmoid(1));
  close(sigmoid(-800), 0);
});
