import assert from "node:assert/strict";
import type { FloatRgbImage } from "../../../model/core/mod.ts";
import { fitColourBaseline, parseColourBaseline, predictColourBaseline } from "./colour_baseline.ts";
import { shiftColors } from "./hsv.ts";

const solid = (r: number, g: number, b: number, jitter = 0.02): FloatRgbImage => {
  const data = new Float32Array(4 * 4 * 3);
  for (let i = 0; i < 16; i++) data.set([r + jitter * ((i % 3) - 1), g, b], i * 3);
  return { width: 4, height: 4, data };
};
const set = (k: number) =>
  Array.from({ length: k }, (_, i) => [
    { image: solid(0.6 + 0.01 * (i % 5), 0.3, 0.7), positive: true }, // purple = all
    { image: solid(0.8 + 0.01 * (i % 5), 0.55, 0.6), positive: false }, // pink = normal
  ]).flat();

Deno.test("the colour baseline separates colour-coded classes, with a val threshold", () => {
  const b = fitColourBaseline(set(20), set(5), { targetSensitivity: 1 });
  assert.equal(b.trainCount, 40);
  assert.ok(b.threshold > 0 && b.threshold < 1);
  assert.ok(predictColourBaseline(b, solid(0.62, 0.3, 0.7)) >= b.threshold);
  assert.ok(predictColourBaseline(b, solid(0.82, 0.55, 0.6)) < b.threshold);
  const again = parseColourBaseline(JSON.parse(JSON.stringify(b)));
  assert.equal(predictColourBaseline(again, solid(0.6, 0.3, 0.7)), predictColourBaseline(b, solid(0.6, 0.3, 0.7)));
  assert.throws(() => parseColourBaseline({ kind: "colour-logreg" }), /delete the file to refit/);
  assert.throws(() => fitColourBaseline(set(2).filter((x) => x.positive), set(1)), /both labels/);
});

Deno.test("a mild colour shift alone moves the baseline's prediction (it reads only colour)", () => {
  const b = fitColourBaseline(set(20), set(5));
  const pink = solid(0.82, 0.55, 0.6);
  const shifted = shiftColors(pink, { brightness: 0.9, hue: -0.05 });
  assert.ok(predictColourBaseline(b, shifted) - predictColourBaseline(b, pink) > 0.2);
});
