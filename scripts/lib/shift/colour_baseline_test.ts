import assert from "node:assert/strict";
import type { FloatRgbImage } from "../../../functions/lib/preprocess/types.ts";
import { colourFeatures, fitColourBaseline, parseColourBaseline, predictColourBaseline } from "./colour_baseline.ts";
import { shiftColors } from "./hsv.ts";

const solid = (r: number, g: number, b: number, jitter = 0): FloatRgbImage => {
  const data = new Float32Array(4 * 4 * 3);
  for (let i = 0; i < 16; i++) data.set([r + jitter * ((i % 3) - 1), g, b], i * 3);
  return { width: 4, height: 4, data };
};

Deno.test("colourFeatures: histogram fractions sum to 1, then means and stds", () => {
  const img: FloatRgbImage = { width: 2, height: 1, data: new Float32Array([1, 0, 0, 0, 0, 1]) };
  const f = colourFeatures(img, 2);
  assert.equal(f.length, 8 + 6);
  assert.equal(f[0b100], 0.5); // red: R bin 1, G 0, B 0
  assert.equal(f[0b001], 0.5); // blue
  assert.deepEqual(Array.from(f.slice(8)), [0.5, 0, 0.5, 0.5, 0, 0.5]);
});

Deno.test("the colour baseline separates colour-coded classes and is moved by a mild colour shift", () => {
  const imgs: FloatRgbImage[] = [], labels: boolean[] = [];
  for (let i = 0; i < 20; i++) {
    imgs.push(solid(0.6 + 0.01 * (i % 5), 0.3, 0.7, 0.02)); labels.push(true); // purple = all
    imgs.push(solid(0.8 + 0.01 * (i % 5), 0.55, 0.6, 0.02)); labels.push(false); // pink = normal
  }
  const model = fitColourBaseline(imgs, labels);
  assert.ok(predictColourBaseline(model, solid(0.62, 0.3, 0.7, 0.02)) > 0.9);
  assert.ok(predictColourBaseline(model, solid(0.82, 0.55, 0.6, 0.02)) < 0.1);
  // JSON round trip keeps predictions
  const again = parseColourBaseline(JSON.parse(JSON.stringify(model)));
  assert.equal(predictColourBaseline(again, imgs[0]), predictColourBaseline(model, imgs[0]));
  assert.throws(() => parseColourBaseline({ kind: "other" }), /colour-logreg/);
  assert.throws(() => fitColourBaseline(imgs.slice(0, 1), labels.slice(0, 1)), /both classes/);
  // a mild colour shift alone moves a normal image most of the way to `all`: it reads only colour
  const pink = solid(0.82, 0.55, 0.6, 0.02);
  const shifted = shiftColors(pink, { brightness: 0.9, hue: -0.05 });
  assert.ok(predictColourBaseline(model, shifted) - predictColourBaseline(model, pink) > 0.2);
});
