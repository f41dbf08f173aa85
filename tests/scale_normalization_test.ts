/**
 * Scale normalisation (model/core/preprocess/{ruler,scale}.ts) on real fixture fields, judged
 * with the shift suite's own magnification (scripts/lib/shift_suite/geometry.ts, evaluation
 * code, independent of the normaliser's resampling).
 */
import assert from "node:assert/strict";
import {
  decodeImage,
  encodeBmp,
  type PreprocessSpec,
  redCellRadius,
  type RgbaImage,
  toFloatRgb,
} from "../model/core/mod.ts";
import { magnify } from "../scripts/lib/shift_suite/geometry.ts";
import { bmpToFloatRgb } from "../functions/lib/predict/bmp_fast.ts";
import { firstOver } from "./helpers/diff.ts";

const EARLY = "tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg";
const CNMC = "tests/fixtures/images/cnmc_hem_UID_H10_100_1_hem.png";
const base: PreprocessSpec = {
  size: 96,
  crop: "none",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  normalization: { mode: "per-image", minStd: 0.01 },
};
const scaled: PreprocessSpec = { ...base, scale: { redCellRadius: 8, workingSize: 224, zoomRange: [0.8, 1.6] } };
const working = (img: RgbaImage) => toFloatRgb(img, { ...base, size: 224 });
const load = async (f: string) => await decodeImage(await Deno.readFile(f));

function meanAbs(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

Deno.test("ruler: a real field's red cells read 7–9 px, and the reading follows a magnification", async () => {
  const field = await load(EARLY);
  const r = redCellRadius(working(field)).radius!;
  assert.ok(r > 7 && r < 9, `Early-001 reads ${r}`);
  const small = redCellRadius(working(magnify(field, 0.75))).radius! / r;
  const large = redCellRadius(working(magnify(field, 1.25))).radius! / r;
  assert.ok(small > 0.65 && small < 0.85, `× 0.75 reads × ${small}`);
  assert.ok(large > 1.1 && large < 1.4, `× 1.25 reads × ${large}`);
});

Deno.test("ruler: an affine change of brightness and contrast leaves the reading alone", async () => {
  const field = await load(EARLY);
  const darker = { ...field, data: field.data.map((v, i) => (i % 4 === 3 ? v : Math.round(v * 0.8 + 10))) };
  const a = redCellRadius(working(field)).radius!, b = redCellRadius(working(darker)).radius!;
  assert.ok(Math.abs(b / a - 1) < 0.03, `${a} → ${b}`);
});

Deno.test("scale normalisation: a field and its × 0.75 copy come out closer than without it", async () => {
  const field = await load(EARLY);
  const shrunk = magnify(field, 0.75);
  const without = meanAbs(toFloatRgb(field, base).data, toFloatRgb(shrunk, base).data);
  const withScale = meanAbs(toFloatRgb(field, scaled).data, toFloatRgb(shrunk, scaled).data);
  assert.ok(withScale < 0.7 * without, `mean |Δ| ${withScale.toFixed(4)} with, ${without.toFixed(4)} without`);
  // the view: Early-001 (radius ≈ 8) is shown nearly whole; its shrunk copy is zoomed in
  const v = toFloatRgb(field, scaled).view!, vs = toFloatRgb(shrunk, scaled).view!;
  assert.ok(Math.abs(v.width - 224) < 20 && vs.width < 0.85 * 224, `${v.width} and ${vs.width}`);
  assert.equal(v.width, v.height);
  assert.ok(Math.abs(vs.x + vs.width / 2 - 112) < 1e-9, "the window is centred");
});

Deno.test("scale normalisation: a cell on black cannot be read and keeps zoom 1, the whole image", async () => {
  const cell = await load(CNMC);
  assert.equal(redCellRadius(working(cell)).radius, undefined);
  const out = toFloatRgb(cell, scaled);
  assert.deepEqual(out.view, { x: 0, y: 0, width: cell.width, height: cell.height });
  // zoom 1: the same picture as without scale normalisation (resized twice, 450 → 224 → 96, not once)
  const once = toFloatRgb(cell, base);
  assert.ok(meanAbs(out.data, once.data) < 0.01, `mean |Δ| ${meanAbs(out.data, once.data)}`);
});

Deno.test("scale normalisation: the BMP fast path gives the general path's pixels and view", async () => {
  const bmp = encodeBmp(await load(EARLY));
  const fast = bmpToFloatRgb(bmp, scaled, { maxPixels: 16e6, minSide: 16 })!;
  const general = toFloatRgb(await decodeImage(bmp), scaled);
  assert.equal(firstOver(fast.resized.data, general.data, 0), null);
  assert.deepEqual(fast.resized.view, general.view);
  assert.notDeepEqual(general.view, { x: 0, y: 0, width: 224, height: 224 });
});
