/**
 * A short seeded fuzz run inside `deno task test` (the long run is `deno task fuzz`, see
 * docs/FUZZING.md): mutated real fixtures through every decoder and through /v1/predict,
 * /v1/explain and /v1/cells; no exception other than ImageDecodeError, no 5xx, no hang.
 */
import assert from "node:assert/strict";
import { nextCase, readCorpus, runFuzz } from "../functions/tools/fuzz/harness.ts";
import { createRng } from "../functions/tools/fuzz/rng.ts";
import { crc32, GENERIC, mutate, pngChunks } from "../functions/tools/fuzz/mutators.ts";
import { TINY_MODEL } from "./helpers/model.ts";

const root = new URL("../", import.meta.url).pathname;

Deno.test("fuzz: mutators are deterministic per seed, never change their input, and cover every format", async () => {
  const corpus = await readCorpus(`${root}tests/fixtures/images`);
  assert.deepEqual(new Set(corpus.map((s) => s.format)), new Set(["bmp", "png", "jpeg", "tiff"]));
  const before = corpus.map((s) => s.bytes.slice());
  const a = Array.from({ length: 50 }, ((rng) => () => nextCase(corpus, rng))(createRng(7)));
  const b = Array.from({ length: 50 }, ((rng) => () => nextCase(corpus, rng))(createRng(7)));
  assert.deepEqual(a.map((c) => [c.ops, c.bytes.length, c.route]), b.map((c) => [c.ops, c.bytes.length, c.route]));
  corpus.forEach((s, i) => assert.deepEqual(s.bytes, before[i]));
  assert.ok(a.some((c) => c.bytes.length !== before[0].length));
  // a PNG header edit keeps the IHDR checksum valid most of the time (to get past the CRC check)
  const png = corpus.find((s) => s.format === "png")!.bytes;
  const rng = createRng(3);
  let valid = 0;
  for (let i = 0; i < 20; i++) {
    const { bytes } = mutate(png, rng, "png");
    const ihdr = pngChunks(bytes)[0];
    if (ihdr && bytes.length >= 33 && crc32(bytes.subarray(12, 29)) === new DataView(bytes.buffer).getUint32(29)) {
      valid++;
    }
  }
  assert.ok(valid > 5, `${valid} of 20 mutated PNGs kept a valid IHDR CRC`);
  assert.equal(GENERIC.truncate(new Uint8Array(10), createRng(1)).length < 10, true);
});

Deno.test("fuzz: 250 seeded cases through decodeImage, /v1/predict, /v1/explain and /v1/cells find nothing", async () => {
  const corpus = await readCorpus(`${root}tests/fixtures/images`);
  const report = await runFuzz({
    corpus,
    model: `${root}${TINY_MODEL}`,
    seed: 1234,
    iterations: 250,
    timeoutMs: 20_000,
  });
  assert.equal(report.iterations, 250);
  assert.deepEqual(
    report.findings.map(({ bytes: _, ...f }) => f),
    [],
    "every finding is a bug: reproduce with deno task fuzz --seed 1234",
  );
  const statuses = Object.keys(report.answers).map((k) => Number(k.split(" ")[0]));
  assert.ok(statuses.every((s) => s < 500));
  assert.ok(statuses.includes(200) && statuses.includes(400), "the run reaches both decoded and refused inputs");
});
