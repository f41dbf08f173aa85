import assert from "node:assert/strict";
import { buildModelCard } from "./build.ts";
import { parseModelCard, preprocessSpecProblem } from "./card.ts";
import { TEST_CARD_FIELDS, TEST_PREPROCESS } from "../../../tests/helpers/card_fields.ts";

const preprocess = TEST_PREPROCESS;
const fields = TEST_CARD_FIELDS;

const bytes = new TextEncoder().encode("abc");

Deno.test("parseModelCard accepts each colour mode the preprocessing implements and names them when wrong", async () => {
  for (const colorMode of ["rgb", "grey", "relative-chroma"] as const) {
    const card = await buildModelCard({ ...fields, preprocess: { ...preprocess, colorMode } }, bytes);
    assert.deepEqual(parseModelCard(card).preprocess.colorMode, colorMode);
  }
  const bad = { ...await buildModelCard(fields, bytes), preprocess: { ...preprocess, colorMode: "hsv" } };
  assert.throws(() => parseModelCard(bad), /must be rgb, grey or relative-chroma/);
  const wb = await buildModelCard(
    { ...fields, preprocess: { ...preprocess, whiteBalance: { brightFraction: 0.1 } } },
    bytes,
  );
  assert.deepEqual(parseModelCard(wb).preprocess.whiteBalance, { brightFraction: 0.1 });
  await assert.rejects(
    buildModelCard({ ...fields, preprocess: { ...preprocess, whiteBalance: { brightFraction: 2 } } }, bytes),
    /whiteBalance.brightFraction" must be in/,
  );
});

Deno.test("preprocessSpecProblem says what is wrong with a spec, and nothing for a good one", () => {
  assert.deepEqual(preprocessSpecProblem(preprocess), undefined);
  assert.deepEqual(preprocessSpecProblem(undefined), `"preprocess.size" must be an integer between 8 and 1024`);
  assert.deepEqual(
    preprocessSpecProblem({ ...preprocess, size: 4 }),
    `"preprocess.size" must be an integer between 8 and 1024`,
  );
  assert.deepEqual(
    preprocessSpecProblem({ ...preprocess, crop: "x" }),
    `"preprocess.crop" must be none or center-square`,
  );
  assert.deepEqual(
    preprocessSpecProblem({ ...preprocess, normalization: { mode: "fixed", mean: [0, 0, 0] } }),
    "fixed normalisation needs mean and std triples",
  );
  assert.deepEqual(
    preprocessSpecProblem({ ...preprocess, normalization: { mode: "per-image", minStd: 0 } }),
    "per-image normalisation needs minStd > 0",
  );
});
