import assert from "node:assert/strict";
import { decodeImage, parseModelCard, toFloatRgb } from "../../../model/core/mod.ts";
import { makeRng } from "./rng.ts";
import { randomTone, TONE_SLOPE_BUDGET, toneCurves } from "./tone.ts";

Deno.test("toneCurves: accepted exactly at the slope budget and monotone there; refused just above", () => {
  const ramp = { width: 256, height: 1, data: new Float32Array(256 * 3).map((_, i) => Math.floor(i / 3) / 255) };
  const a1 = TONE_SLOPE_BUDGET / Math.PI; // the whole budget on the first harmonic
  const out = toneCurves(ramp, [{ a1, a2: 0 }, { a1: -a1, a2: 0 }, { a1: 0, a2: 0 }]).data;
  for (let x = 1; x < 256; x++) {
    assert.ok(out[x * 3 + 1] > out[(x - 1) * 3 + 1], `G must stay increasing at ${x}`);
  }
  assert.ok(out[128 * 3] > 0.7 && out[128 * 3 + 1] < 0.3, "R lifted and G lowered at mid-grey");
  assert.throws(
    () => toneCurves(ramp, [{ a1: a1 + 1e-3, a2: 0 }, { a1: 0, a2: 0 }, { a1: 0, a2: 0 }]),
    /must be ≤ 0.75/,
  );
});

Deno.test("randomTone on a real field: same size, values in [0, 1], background and nuclei change unequally", async () => {
  const spec = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json"))).preprocess;
  const decoded = await decodeImage(await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
  const img = toFloatRgb(decoded, spec);
  let changed = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const out = randomTone(img, makeRng(seed), { curve: 0.8, chroma: 0.8, minArea: 1 });
    assert.equal(out.data.length, img.data.length);
    assert.ok(out.data.every((v) => v >= 0 && v <= 1));
    let diff = 0;
    for (let i = 0; i < img.data.length; i++) diff += Math.abs(out.data[i] - img.data[i]);
    if (diff / img.data.length > 0.005) changed++;
  }
  assert.ok(changed >= 6, `most draws must change the image visibly, ${changed} of 8 did`);
});

Deno.test("randomTone zoom-out: cells shrink onto the field's own background, never mirrored", async () => {
  const spec = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json"))).preprocess;
  const decoded = await decodeImage(await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
  const img = toFloatRgb(decoded, spec);
  // minArea 1 (no zoom-in) → every draw zooms out; scale exactly minScale = 0.5 leaves a border of canvas
  const out = randomTone(img, makeRng(5), { curve: 0, chroma: 0, minArea: 1, minScale: 0.5 });
  const w = img.width;
  const px = (x: number, y: number) => Array.from(out.data.slice((y * w + x) * 3, (y * w + x) * 3 + 3));
  // at least one corner is canvas: all four corners equal there would mean the canvas colour fills the corners
  const corners = [px(0, 0), px(w - 1, 0), px(0, w - 1), px(w - 1, w - 1)];
  const canvas = corners.filter((c) => c.every((v, k) => v === corners[0][k])).length;
  assert.ok(canvas >= 2, `the canvas must show in at least two corners, got ${JSON.stringify(corners)}`);
  assert.ok(corners[0].every((v) => v > 0.6), "the canvas is the bright background colour");
});
