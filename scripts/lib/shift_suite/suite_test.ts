import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { jpegRoundTrip } from "../shift/jpeg.ts";
import { applyGamma } from "./channel.ts";
import { gaussianBlur, magnify } from "./geometry.ts";
import { modulateHsl } from "./hsl.ts";
import { applySuiteShift, selectSuite, SHIFT_FAMILIES, SHIFT_SUITE } from "./suite.ts";
import { maxAbsDiff, taleqani } from "../../../tests/helpers/shift_fixtures.ts";

Deno.test("the suite: identity first, unique names, every family present, issue #13's strengths included", () => {
  assert.equal(SHIFT_SUITE[0].name, "identity");
  assert.deepEqual(SHIFT_SUITE[0].params, []);
  const names = SHIFT_SUITE.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, "duplicate names");
  assert.deepEqual([...new Set(SHIFT_SUITE.map((s) => s.family))].sort(), Object.keys(SHIFT_FAMILIES).sort());
  for (
    const name of [
      "hsl-lightness ×0.90",
      "hsl-lightness ×0.95",
      "hsl-lightness ×1.05",
      "compound lightness ×0.95 + hue -5°",
      "compound lightness ×1.05 + saturation ×0.85",
      "hsl-saturation ×0.85",
      "hsl-saturation ×1.15",
      "hsl-hue -10°",
      "hsl-hue -5°",
      "hsl-hue +5°",
      "hsl-hue +10°",
      "colour-temperature g=1.08",
      "colour-temperature g=0.92",
      "white-balance R×0.92",
      "gamma 0.8",
      "gamma 1.2",
      "stain H OD ×0.80",
      "stain H OD ×1.25",
      "stain E OD ×0.80",
      "stain E OD ×1.25",
      "background-tint warm 10%",
      "background-tint cool 10%",
      "defocus σ=1",
      "defocus σ=2",
      "magnification ×0.75",
      "magnification ×0.90",
      "magnification ×1.10",
      "magnification ×1.25",
      "jpeg q95",
      "jpeg q75",
      "jpeg q60",
      "jpeg q50",
      "compound gamma 1.2 + defocus σ=1 + magnification ×0.75 + jpeg q60",
    ]
  ) assert.ok(names.includes(name), `missing ${name}`);
  // the lightness rows are the issue's: L × 0.9 is "lightness −10%"
  assert.deepEqual(selectSuite(["hsl-lightness ×0.90"])[0].params, [
    { kind: "hsl", lightness: 0.9, saturation: 1, hueDegrees: 0 },
  ]);
});

Deno.test("the identity returns identical pixels in a new buffer; every other shift changes a real field", async () => {
  const img = await taleqani("benign");
  const hash = createHash("sha256").update(img.data).digest("hex");
  for (const shift of SHIFT_SUITE) {
    const out = await applySuiteShift(img, shift);
    assert.deepEqual([out.width, out.height, out.data.length], [224, 224, img.data.length], shift.name);
    if (shift.family === "identity") {
      assert.deepEqual(out.data, img.data);
      assert.notEqual(out.data, img.data);
    } else assert.ok(maxAbsDiff(out, img) > 0, `${shift.name} changed nothing`);
  }
  assert.equal(createHash("sha256").update(img.data).digest("hex"), hash, "a shift changed its input");
});

Deno.test("compound shifts apply their steps in order", async () => {
  const img = await taleqani("early");
  const corner = selectSuite(["compound gamma 1.2 + defocus σ=1 + magnification ×0.75 + jpeg q60"])[0];
  const want = await jpegRoundTrip(magnify(gaussianBlur(applyGamma(img, 1.2), 1), 0.75), 60);
  assert.deepEqual((await applySuiteShift(img, corner)).data, want.data);
  const lh = selectSuite(["compound lightness ×0.95 + hue -5°"])[0];
  assert.deepEqual((await applySuiteShift(img, lh)).data, modulateHsl(img, { lightness: 0.95, hueDegrees: -5 }).data);
});

Deno.test("selectSuite takes names (tolerantly) or families, keeps suite order, and lists the valid names", () => {
  assert.deepEqual(selectSuite(["jpeg q50", "identity", "jpeg q50"]).map((s) => s.name), ["identity", "jpeg q50"]);
  assert.deepEqual(selectSuite(["  HSL-Lightness  x0.90", "gamma"]).map((s) => s.name), [
    "hsl-lightness ×0.90",
    "gamma 0.8",
    "gamma 1.2",
  ]);
  assert.deepEqual(selectSuite(["hsl-hue \u22125°"]).map((s) => s.name), ["hsl-hue -5°"]);
  assert.throws(() => selectSuite(["blur σ=3"]), (e: Error) => {
    assert.match(e.message, /unknown shift "blur σ=3"/);
    assert.match(e.message, /valid families: identity, hsl-lightness, /);
    assert.match(e.message, /"defocus σ=1", "defocus σ=2"/);
    return true;
  });
  assert.throws(() => selectSuite([]), /name at least one shift or family/);
});
