import assert from "node:assert/strict";
import { loadModelFile, parseModelCard } from "../../../model/core/mod.ts";
import { createApp } from "../../app.ts";
import { loadConfig } from "../config.ts";
import { modelWarningLogs, modelWarnings } from "./warnings.ts";

const root = new URL("../../../", import.meta.url);
const card = async (path: string) => parseModelCard(JSON.parse(await Deno.readTextFile(new URL(path, root))));

Deno.test("modelWarnings: committed cards: all-v5 and all-v6 have the feature check, all-v1…v4 ranges only, the tiny fixture none", async () => {
  for (const v of [5, 6]) {
    assert.deepEqual(modelWarnings(await card(`model/all-v${v}.int8.json`)), [], `all-v${v}`);
    assert.deepEqual(modelWarnings(await card(`model/all-v${v}.float.json`)), [], `all-v${v}`);
  }
  for (const v of [1, 2, 3, 4]) {
    const warnings = modelWarnings(await card(`model/all-v${v}.int8.json`));
    assert.deepEqual(warnings.map((w) => w.code), ["no_feature_check"], `all-v${v}`);
    assert.match(warnings[0].message, /"domain\.features"/);
  }
  const tiny = modelWarnings(await card("tests/fixtures/models/tiny.int8.json"));
  assert.deepEqual(tiny.map((w) => w.code), ["no_domain_check"]);
  assert.match(tiny[0].message, /no input-domain check \("domain"\): images unlike/);
});

Deno.test("modelWarnings: a card written with --no-domain quotes its note; a card with features gives none", async () => {
  const v5 = await card("model/all-v5.int8.json");
  const note = "written with --no-domain: no input-domain check";
  const [w] = modelWarnings({ ...v5, domain: undefined, noDomainCheck: note });
  assert.equal(w.code, "no_domain_check");
  assert.ok(w.message.includes(`(the card says why: "${note}")`), w.message);
  // the feature distance without any ranges is still the feature check
  assert.deepEqual(modelWarnings({ domain: { ranges: {}, features: v5.domain!.features } }), []);
  assert.deepEqual(modelWarningLogs(v5), []);
  assert.deepEqual(modelWarningLogs({}, "t").map((l) => [l.ts, l.level, l.event, l.code]), [
    ["t", "warn", "model_warning", "no_domain_check"],
  ]);
});

Deno.test("GET /readyz and /v1/model carry the warnings of the served model (real models)", async (t) => {
  const cases = [
    ["model/all-v6.1.int8.onnx", []],
    ["model/all-v6.int8.onnx", []],
    ["model/all-v5.int8.onnx", []],
    ["model/all-v4.int8.onnx", ["no_feature_check"]],
    ["tests/fixtures/models/tiny.int8.onnx", ["no_domain_check"]],
  ] as const;
  for (const [path, codes] of cases) {
    await t.step(path, async () => {
      const model = await loadModelFile(new URL(path, root).pathname);
      try {
        const app = createApp({ model, config: loadConfig({}), log: () => {} });
        const ready = await (await app.request("/readyz")).json();
        assert.equal(ready.status, "ready");
        assert.deepEqual(ready.model, { id: model.card.id, version: model.card.version, sha256: model.card.sha256 });
        assert.deepEqual(ready.warnings.map((w: { code: string }) => w.code), codes);
        assert.deepEqual(ready.warnings, modelWarnings(model.card));
        const served = await (await app.request("/v1/model")).json();
        if (codes.length === 0) {
          assert.equal("warnings" in served, false, "no warnings key when there is nothing to say");
          assert.deepEqual(served, JSON.parse(JSON.stringify(model.card)));
        } else {
          const { warnings, ...rest } = served;
          assert.deepEqual(warnings, ready.warnings);
          assert.deepEqual(rest, JSON.parse(JSON.stringify(model.card)), "the card as before, beside the warnings");
        }
      } finally {
        await model.close();
      }
    });
  }
});

Deno.test("modelWarnings: a card recalibrated on images without patient ids warns, naming the lab and count; with ids, none", async () => {
  const v6 = await card("model/all-v6.1.int8.json");
  const record = (patientIds: unknown) => ({
    lab: "Lab A",
    images: { all: 280, normal: 60, patients: 340, patientIds },
  });
  const [w, ...rest] = modelWarnings({ ...v6, recalibration: record(false) });
  assert.deepEqual(rest, []);
  assert.equal(w.code, "recalibrated_without_patients");
  assert.match(
    w.message,
    /^the operating point was recalibrated for Lab A on 340 images with images that have no patient id/,
  );
  assert.match(w.message, /caseId/);
  assert.deepEqual(modelWarnings({ ...v6, recalibration: record(true) }), []);
  // a record the service cannot read says nothing rather than guessing
  for (const odd of ["recalibrated", null, { lab: "B" }, { images: { patientIds: "no" } }]) {
    assert.deepEqual(modelWarnings({ ...v6, recalibration: odd }), [], JSON.stringify(odd));
  }
  // without the lab's name or counts the warning still stands
  assert.match(
    modelWarnings({ ...v6, recalibration: { images: { patientIds: false } } })[0].message,
    /^the operating point was recalibrated with images/,
  );
});

Deno.test("GET /readyz of a served recalibrated card without patient ids lists recalibrated_without_patients", async () => {
  const dir = await Deno.makeTempDir({ prefix: "recal-warn-" });
  try {
    const tiny = new URL("tests/fixtures/models/tiny.int8", root).pathname;
    await Deno.copyFile(`${tiny}.onnx`, `${dir}/lab.int8.onnx`);
    const json = JSON.parse(await Deno.readTextFile(`${tiny}.json`));
    json.file = "lab.int8.onnx";
    json.recalibration = { lab: "Lab A", images: { all: 30, normal: 25, patients: 55, patientIds: false } };
    await Deno.writeTextFile(`${dir}/lab.int8.json`, JSON.stringify(json));
    const model = await loadModelFile(`${dir}/lab.int8.onnx`);
    try {
      const app = createApp({ model, config: loadConfig({}), log: () => {} });
      const ready = await (await app.request("/readyz")).json();
      assert.deepEqual(ready.warnings.map((w: { code: string }) => w.code), [
        "no_domain_check",
        "recalibrated_without_patients",
      ]);
      const served = await (await app.request("/v1/model")).json();
      assert.deepEqual(served.warnings, ready.warnings);
      assert.equal(served.recalibration.lab, "Lab A");
    } finally {
      await model.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
