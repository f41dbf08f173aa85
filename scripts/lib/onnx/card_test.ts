import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeModelFiles } from "./card.ts";
import { buildModelCard, type ModelCardFields, parseModelCard } from "../../../model/core/mod.ts";
import { FIXTURE_DIR } from "../../../tests/helpers/onnx_testing.ts";
import { runModel } from "../../../model/core/mod.ts";

const fields: ModelCardFields = {
  id: "t",
  version: "1.0.0",
  file: "t.onnx",
  precision: "float32",
  opset: 17,
  architecture: "test",
  io: { input: "image", logit: "logit" },
  preprocess: {
    size: 32,
    crop: "none",
    resize: "area",
    normalization: { mode: "per-image", minStd: 0.02 },
    channelOrder: "RGB",
    alphaBackground: 0,
  },
  labels: ["normal", "all"],
  positiveLabel: "all",
  temperature: 1,
  threshold: 0.5,
  reviewBand: [0.4, 0.6],
};

Deno.test("writeModelFiles writes both files and refuses a card for other bytes or another name", async () => {
  const dir = await mkdtemp(join(tmpdir(), "card-"));
  try {
    const bytes = new Uint8Array([1, 2, 3]);
    const card = await buildModelCard(fields, bytes);
    const paths = await writeModelFiles(dir, "t", bytes, card);
    assert.deepEqual(new Uint8Array(await readFile(paths.onnx)), bytes);
    assert.deepEqual(JSON.parse(await readFile(paths.card, "utf8")), card);
    await assert.rejects(writeModelFiles(dir, "u", bytes, card), /card.file is "t.onnx"/);
    await assert.rejects(writeModelFiles(dir, "t", new Uint8Array([9]), card), /sha256 does not match/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

Deno.test("committed tiny fixtures: cards parse, hashes match, both models run with the card's io", async () => {
  for (const name of ["tiny.float", "tiny.int8"]) {
    const card = parseModelCard(JSON.parse(await readFile(join(FIXTURE_DIR, `${name}.json`), "utf8")));
    const bytes = new Uint8Array(await readFile(join(FIXTURE_DIR, card.file)));
    assert.equal(createHash("sha256").update(bytes).digest("hex"), card.sha256);
    assert.deepEqual(card.subtypes, ["Benign", "Early", "Pre", "Pro"]);
    const s = card.preprocess.size;
    const out = await runModel(bytes, { [card.io.input]: { dims: [1, 3, s, s], data: new Float32Array(3 * s * s) } });
    assert.deepEqual(out[card.io.logit].dims, [1, 1]);
    assert.deepEqual(out[card.io.subtypeLogits!].dims, [1, 4]);
    assert.deepEqual(out[card.io.cam!].dims, [1, 1, 8, 8]);
  }
});
