import assert from "node:assert/strict";
import { buildModelCard } from "./build.ts";
import { ModelCardError, parseModelCard, preprocessSpecProblem } from "./card.ts";
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

Deno.test("preprocessSpecProblem checks scale normalisation at its bounds, and the card keeps it", async () => {
  const scale = { redCellRadius: 8, workingSize: 224, zoomRange: [0.8, 1.6] };
  assert.equal(preprocessSpecProblem({ ...preprocess, scale }), undefined);
  assert.equal(preprocessSpecProblem({ ...preprocess, scale: { ...scale, zoomRange: [1, 1] } }), undefined);
  assert.equal(preprocessSpecProblem({ ...preprocess, scale: { ...scale, zoomRange: [0.25, 4] } }), undefined);
  const zoom = `"preprocess.scale.zoomRange" must be [least, largest] with 0.25 ≤ least ≤ 1 ≤ largest ≤ 4`;
  for (const zoomRange of [[1.01, 2], [0.8, 0.99], [0.24, 1.5], [0.8, 4.01], [0.8], "0.8,1.6"]) {
    assert.equal(preprocessSpecProblem({ ...preprocess, scale: { ...scale, zoomRange } }), zoom, String(zoomRange));
  }
  assert.equal(
    preprocessSpecProblem({ ...preprocess, scale: { ...scale, redCellRadius: 0.5 } }),
    `"preprocess.scale.redCellRadius" must be a number in [1, 64]`,
  );
  assert.equal(
    preprocessSpecProblem({ ...preprocess, scale: { ...scale, workingSize: 224.5 } }),
    `"preprocess.scale.workingSize" must be an integer in [32, 1024]`,
  );
  assert.equal(preprocessSpecProblem({ ...preprocess, scale: null }), `"preprocess.scale" must be an object`);
  const card = await buildModelCard({ ...fields, preprocess: { ...preprocess, scale } as typeof preprocess }, bytes);
  assert.deepEqual(parseModelCard(card).preprocess.scale, scale);
});

const featureCheck = {
  output: "features",
  mean: [0.5, 0.25],
  whitening: [2, 0, -1, 4],
  dims: 2,
  threshold: 7.5,
  fitted: { images: 1920, shrinkage: 0.12, quantile: 0.995, validationImages: 420 },
};

Deno.test("parseModelCard keeps a feature domain check and names the field that is wrong", async () => {
  const card = await buildModelCard(
    {
      ...fields,
      io: { input: "image", logit: "logit", features: "features" },
      domain: { ranges: { stdR: [0.01, 0.4] }, features: featureCheck },
    },
    bytes,
  );
  assert.deepEqual(parseModelCard(JSON.parse(JSON.stringify(card))).domain?.features, featureCheck);
  const bad = (features: Record<string, unknown>) => ({ ...card, domain: { ranges: {}, features } });
  // a refit's check, its threshold taken on the training images (no val split), is kept as it says
  const refit = { ...featureCheck, fitted: { ...featureCheck.fitted, thresholdOn: "train" } };
  assert.deepEqual(parseModelCard(bad(refit)).domain?.features, refit);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...featureCheck, output: "" }, /"domain.features.output" must name the graph's features output/],
    [{ ...featureCheck, dims: 0 }, /"domain.features.dims" must be a positive integer/],
    [{ ...featureCheck, mean: [0.5] }, /"domain.features.mean" must hold dims = 2 finite numbers/],
    [{ ...featureCheck, whitening: [2, 0, -1, null] }, /"domain.features.whitening" must hold dims × dims = 4/],
    [{ ...featureCheck, threshold: 0 }, /"domain.features.threshold" must be a finite number > 0/],
    [{ ...featureCheck, fitted: undefined }, /"domain.features.fitted" must say how the check was fitted/],
    [{ ...featureCheck, fitted: { ...featureCheck.fitted, shrinkage: 1.5 } }, /"domain.features.fitted.shrinkage"/],
    [
      { ...featureCheck, fitted: { ...featureCheck.fitted, validationImages: 0 } },
      /fitted.validationImages" must be a count/,
    ],
    [
      { ...featureCheck, fitted: { ...featureCheck.fitted, thresholdOn: "val" } },
      /"domain.features.fitted.thresholdOn" must be "train" or absent/,
    ],
  ];
  for (const [features, message] of cases) {
    assert.throws(
      () => parseModelCard(bad(features)),
      (err: Error) => err instanceof ModelCardError && message.test(err.message),
    );
  }
  assert.throws(
    () => parseModelCard({ ...card, domain: { ranges: { stdR: [0.4, 0.1] } } }),
    /"domain.ranges.stdR" must be \[min, max\]/,
  );
});

Deno.test("parseModelCard: every committed card parses; all-v1 … all-v4 have range checks only, all-v5, all-v6 (6.0 and 6.1) and cells-v1 a feature check", async () => {
  let seen = 0;
  for await (const entry of Deno.readDir("model")) {
    if (!entry.name.endsWith(".json")) continue;
    const card = parseModelCard(JSON.parse(await Deno.readTextFile(`model/${entry.name}`)));
    const features = ["all-v5.", "all-v6.", "cells-v1."].some((p) => entry.name.startsWith(p));
    assert.equal(card.domain?.features !== undefined, features, entry.name);
    if (features) assert.equal(card.domain!.features!.mean.length, card.domain!.features!.dims, entry.name);
    seen++;
  }
  assert.equal(seen, 16);
});

Deno.test("parseModelCard keeps a valid io.camGrid and refuses a malformed one by name", async () => {
  const card = await buildModelCard(fields, bytes);
  const grid = { origin: [15.5, 15.5], step: [16, 16] };
  assert.deepEqual(parseModelCard({ ...card, io: { ...card.io, camGrid: grid } }).io.camGrid, grid);
  for (const bad of [{ origin: [1], step: [16, 16] }, { origin: [1, 1], step: [0, 16] }, { origin: [1, NaN] }]) {
    assert.throws(() => parseModelCard({ ...card, io: { ...card.io, camGrid: bad } }), /"io.camGrid" must be/);
  }
});
