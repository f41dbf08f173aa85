import assert from "node:assert/strict";
import { buildModelCard } from "./build.ts";
import { TEST_CARD_FIELDS } from "../../../tests/helpers/card_fields.ts";

const fields = TEST_CARD_FIELDS;

const bytes = new TextEncoder().encode("abc");

Deno.test("buildModelCard hashes the bytes, dates the export and validates the card", async () => {
  const card = await buildModelCard({ ...fields, created: "2025-02-03T04:05:06.000Z" }, bytes);
  assert.deepEqual(card.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.deepEqual(card.created, "2025-02-03T04:05:06.000Z");
  assert.deepEqual(
    (await buildModelCard({ ...fields, created: new Date(0) }, bytes)).created,
    "1970-01-01T00:00:00.000Z",
  );
  assert.ok(!Number.isNaN(Date.parse((await buildModelCard(fields, bytes)).created)));
  await assert.rejects(buildModelCard({ ...fields, threshold: 2 }, bytes), /threshold/);
});

Deno.test("buildModelCard keeps the caller's field order, then sha256 and created", async () => {
  const card = await buildModelCard(fields, bytes);
  assert.deepEqual(Object.keys(card), [...Object.keys(fields), "sha256", "created"]);
});
