/**
 * The real ONNX path (onnxruntime-web, tiny int8 fixture model) through the app, on real images.
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { createModelRuntime, loadModelFile } from "../model/core/onnx/runtime.ts";
import { ModelCardError, parseModelCard, probabilityFromLogit } from "../model/core/card/card.ts";
import { decodeImage } from "../model/core/image/decode.ts";
import { preprocess } from "../model/core/preprocess/preprocess.ts";
import { decodePng } from "../model/core/image/png.ts";
import { FIXTURES, TINY_FLOAT_MODEL, TINY_MODEL, tinyModel } from "./helpers/model.ts";
import { fixture } from "./helpers/images.ts";

const root = new URL("../", import.meta.url);
const app = () => tinyModel().then((model) => createApp({ model, config: loadConfig({}), log: () => {} }));

Deno.test("runtime: tiny int8 model gives logit, 4 subtype logits and a CAM", async () => {
  const rt = await tinyModel();
  assert.equal(rt.card.id, "tiny-test");
  const img = await decodeImage(await fixture("cnmc_all_UID_35_6_2_all.bmp"));
  const out = await rt.run(preprocess(img, rt.card.preprocess, "NCHW"), { cam: true });
  assert.ok(Number.isFinite(out.logit));
  assert.equal(out.subtypeLogits!.length, 4);
  assert.ok(out.cam!.width > 1 && out.cam!.height > 1);
  assert.equal(out.cam!.data.length, out.cam!.width * out.cam!.height);
  const again = await rt.run(preprocess(img, rt.card.preprocess, "NCHW"));
  assert.equal(again.logit, out.logit, "deterministic");
  assert.equal(again.cam, undefined, "no CAM unless asked");
});

Deno.test("runtime: int8 and float models agree closely on real images", async () => {
  const int8 = await tinyModel();
  const float = await loadModelFile(new URL(TINY_FLOAT_MODEL, root).pathname);
  try {
    for (const [name] of FIXTURES.slice(0, 4)) {
      const x = preprocess(await decodeImage(await fixture(name)), int8.card.preprocess, "NCHW");
      const a = probabilityFromLogit((await int8.run(x)).logit, 1);
      const b = probabilityFromLogit((await float.run(x)).logit, 1);
      assert.ok(Math.abs(a - b) < 0.05, `${name}: int8 ${a} vs float ${b}`);
    }
  } finally {
    await float.close();
  }
});

Deno.test("runtime: refuses a model whose bytes do not match the card's sha256", async () => {
  const card = parseModelCard(
    JSON.parse(await Deno.readTextFile(new URL("tests/fixtures/models/tiny.int8.json", root))),
  );
  const bytes = await Deno.readFile(new URL(TINY_FLOAT_MODEL, root));
  await assert.rejects(
    createModelRuntime(card, bytes),
    (e: unknown) => e instanceof ModelCardError && /sha256/.test(e.message),
  );
});

Deno.test("runtime: refuses a card naming tensors the graph lacks", async () => {
  const card = parseModelCard(
    JSON.parse(await Deno.readTextFile(new URL("tests/fixtures/models/tiny.int8.json", root))),
  );
  const bytes = await Deno.readFile(new URL(TINY_MODEL, root));
  await assert.rejects(
    createModelRuntime({ ...card, io: { ...card.io, logit: "nope" } }, bytes),
    (e: unknown) => e instanceof ModelCardError && /nope/.test(e.message),
  );
});

Deno.test("loadModelFile: a missing model or card says which file and what to do", async () => {
  await assert.rejects(loadModelFile("model/does-not-exist.onnx"), /does-not-exist\.json.*set MODEL/);
});

Deno.test("POST /v1/predict with the real model: every fixture format; same pixels give the same score", async () => {
  const a = await app();
  const scores = new Map<string, number>();
  for (const [name, type] of FIXTURES) {
    const res = await a.request("/v1/predict", {
      method: "POST",
      body: await fixture(name),
      headers: { "content-type": type },
    });
    assert.equal(res.status, 200, name);
    const b = await res.json();
    assert.equal(b.model.id, "tiny-test");
    assert.ok(b.scores.all > 0 && b.scores.all < 1);
    assert.deepEqual(Object.keys(b.subtype), ["Benign", "Early", "Pre", "Pro"]);
    assert.ok(Math.abs(Object.values(b.subtype as Record<string, number>).reduce((x, y) => x + y) - 1) < 1e-6);
    assert.ok(["all", "normal", "review"].includes(b.decision));
    scores.set(name, b.scores.all);
  }
  assert.equal(
    scores.get("cnmc_all_UID_35_6_2_all.bmp"),
    scores.get("cnmc_all_UID_35_6_2_all.png"),
    "BMP and PNG of one cell",
  );
});

Deno.test("POST /v1/explain with the real model: heatmap is the input's size", async () => {
  const a = await app();
  const res = await a.request("/v1/explain", {
    method: "POST",
    body: await fixture("taleqani_Benign_WBC-Benign-001.jpg"),
    headers: { "content-type": "image/jpeg" },
  });
  assert.equal(res.status, 200);
  const b = await res.json();
  const png = decodePng(Uint8Array.from(atob(b.heatmap.slice(22)), (c) => c.charCodeAt(0)));
  assert.deepEqual([png.width, png.height], [b.input.width, b.input.height]);
});
