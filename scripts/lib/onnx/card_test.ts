import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeModelFiles } from "./card.ts";
import { buildModelCard, parseModelCard } from "../../../model/core/mod.ts";
import { TEST_CARD_FIELDS } from "../../../tests/helpers/card_fields.ts";
import { FIXTURE_DIR } from "../../../tests/helpers/onnx_testing.ts";
import { runModel } from "../../../model/core/mod.ts";

const fields = TEST_CARD_FIELDS;

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
