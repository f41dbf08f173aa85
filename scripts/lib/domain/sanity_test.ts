import assert from "node:assert/strict";
import { imageStats, toFloatRgb } from "../../../model/core/mod.ts";
import { TEST_PREPROCESS } from "../../../tests/helpers/card_fields.ts";
import { checkDomain } from "./fit.ts";
import { fitSanityRanges, SANITY_STATISTICS } from "./sanity.ts";
import { syntheticImages } from "./synthetic.ts";

const rows = Array.from({ length: 101 }, (_, i) => ({
  stdR: 0.1 + i * 0.001,
  stdG: 0.12 + i * 0.001,
  stdB: 0.04 + i * 0.0005,
  darkFraction: i === 100 ? 0.02 : 0,
  meanR: 0.8,
  backgroundTint: 0.05,
}));

Deno.test("fitSanityRanges bounds only contrast and darkness, generously, and never the tint or means", () => {
  const { ranges } = fitSanityRanges(rows, { quantiles: [0, 1] });
  assert.deepEqual(Object.keys(ranges), [...SANITY_STATISTICS]);
  assert.deepEqual(ranges.stdR, [0.05, 0.25]); // [0.1 / 2, 0.2 + 0.5 × 0.1]
  assert.deepEqual(ranges.stdB, [0.02, 0.14]); // upper: 0.09 + minPad 0.05
  assert.deepEqual(ranges.darkFraction, [0, 0.07]); // 0.02 + minPad 0.05
  // the old failure: a tint or a darker field is not a reason any more
  assert.deepEqual(checkDomain({ ...rows[50], backgroundTint: 0.4, meanR: 0.6 }, { ranges }), []);
  assert.throws(() => fitSanityRanges([{ stdR: 0.1 }]), /"stdG" is missing/);
  assert.throws(() => fitSanityRanges(rows, { lowFactor: 2 }), /lowFactor/);
});

Deno.test("sanity ranges flag the flat colour and the checkerboard of the synthetic set", () => {
  const { ranges } = fitSanityRanges(rows);
  const flagged = syntheticImages(64).map((s) => ({
    name: s.name,
    reasons: checkDomain(imageStats(toFloatRgb(s.image, TEST_PREPROCESS)), { ranges }),
  }));
  assert.match(flagged.find((f) => f.name === "flat colour")!.reasons[0], /stdR = 0\.000 is outside/);
  assert.ok(flagged.find((f) => f.name === "checkerboard")!.reasons.length > 0); // std 0.5, half black
});
