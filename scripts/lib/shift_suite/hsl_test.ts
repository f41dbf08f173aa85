import assert from "node:assert/strict";
import { hslToRgb, modulateHsl, rgbToHsl } from "./hsl.ts";
import { maxAbsDiff, rgbImage, rgbRows, taleqani } from "../../../tests/helpers/shift_fixtures.ts";

// 3×2, every pixel different: a transposed or flipped result cannot match.
const PIXELS = [
  [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
  [[255, 128, 0], [128, 128, 128], [240, 235, 245]],
];

Deno.test("hue +120° turns each primary into the next, keeps grey, per position", () => {
  assert.deepEqual(rgbRows(modulateHsl(rgbImage(PIXELS), { hueDegrees: 120 })), [
    [[0, 255, 0], [0, 0, 255], [255, 0, 0]],
    [[0, 255, 128], [128, 128, 128], [245, 240, 235]],
  ]);
});

Deno.test("lightness and saturation factors give the hand-computed HSL values", () => {
  // red: L 0.5 S 1. L × 0.5 → L 0.25, C = 2·0.25·1 = 0.5 → (0.5, 0, 0) = 128 after rounding.
  // S × 0.5 → C = 0.5, min = 0.25 → (0.75, 0.25, 0.25) = (191, 64, 64).
  const red = rgbImage([[[255, 0, 0], [0, 0, 0]]]);
  assert.deepEqual(rgbRows(modulateHsl(red, { lightness: 0.5 })), [[[128, 0, 0], [0, 0, 0]]]);
  assert.deepEqual(rgbRows(modulateHsl(red, { saturation: 0.5 })), [[[191, 64, 64], [0, 0, 0]]]);
  // S is clamped to 1: a fully saturated pixel cannot get more saturated
  assert.deepEqual(rgbRows(modulateHsl(red, { saturation: 1.15 })), [[[255, 0, 0], [0, 0, 0]]]);
  // L is clamped to 1: lightness × 2 makes mid grey white, not an overflow
  assert.deepEqual(rgbRows(modulateHsl(rgbImage([[[128, 128, 128]]]), { lightness: 2 })), [[[255, 255, 255]]]);
});

Deno.test("lightness ×0.9 raises the chroma of a near-white pixel (issue #13's effect); an RGB scale lowers it", () => {
  const out = rgbRows(modulateHsl(rgbImage([[[240, 235, 245]]]), { lightness: 0.9 }))[0][0];
  assert.deepEqual(out, [216, 203, 229]);
  const chroma = (p: number[]) => Math.max(...p) - Math.min(...p);
  assert.equal(chroma([240, 235, 245]), 10);
  assert.equal(chroma(out), 26);
  assert.equal(chroma([240, 235, 245].map((v) => Math.round(v * 0.9))), 9); // HSV value × 0.9, the old grid
});

Deno.test("on a real field, lightness ×0.9 multiplies the background's chroma several times", async () => {
  // The Early field's glass has a faint cyan cast (about 247, 254, 254): the HSL model keeps its
  // saturation, so darkening spreads the channels apart.
  const img = await taleqani("early");
  const out = modulateHsl(img, { lightness: 0.9 });
  const bgChroma = (im: typeof img, ref: typeof img) => {
    let s = 0, n = 0;
    for (let i = 0; i < ref.data.length; i += 4) {
      const r = ref.data[i], g = ref.data[i + 1], b = ref.data[i + 2];
      if (0.299 * r + 0.587 * g + 0.114 * b < 250) continue; // background of the unshifted field
      s += Math.max(im.data[i], im.data[i + 1], im.data[i + 2]) - Math.min(im.data[i], im.data[i + 1], im.data[i + 2]);
      n++;
    }
    assert.ok(n > 1000, `only ${n} background pixels`);
    return s / n;
  };
  const before = bgChroma(img, img), after = bgChroma(out, img);
  assert.ok(before > 3 && after > 2.5 * before, `background chroma ${before.toFixed(2)} → ${after.toFixed(2)}`);
});

Deno.test("RGB → HSL → RGB round trip is within 1 level over the whole colour cube (step 5)", () => {
  const hsl: [number, number, number] = [0, 0, 0], rgb: [number, number, number] = [0, 0, 0];
  let worst = 0;
  for (let r = 0; r < 256; r += 5) {
    for (let g = 0; g < 256; g += 5) {
      for (let b = 0; b < 256; b += 5) {
        rgbToHsl(r / 255, g / 255, b / 255, hsl);
        hslToRgb(hsl[0], hsl[1], hsl[2], rgb);
        worst = Math.max(worst, ...[r, g, b].map((v, c) => Math.abs(Math.round(rgb[c] * 255) - v)));
      }
    }
  }
  assert.ok(worst <= 1, `worst round-trip error ${worst} levels`);
});

Deno.test("identity and a full turn of hue return identical pixels; ±δ hue comes back within 1 level", async () => {
  const img = await taleqani("benign");
  const same = modulateHsl(img, {});
  assert.deepEqual(same.data, img.data);
  assert.notEqual(same.data, img.data); // a new buffer
  assert.deepEqual(modulateHsl(img, { lightness: 1, saturation: 1, hueDegrees: 360 }).data, img.data);
  const back = modulateHsl(modulateHsl(img, { hueDegrees: 10 }), { hueDegrees: -10 });
  assert.ok(maxAbsDiff(back, img) <= 1, `hue +10° then −10° differs by ${maxAbsDiff(back, img)}`);
  assert.ok(maxAbsDiff(modulateHsl(img, { hueDegrees: 10 }), img) > 1);
});

Deno.test("alpha is kept and the input is not changed", () => {
  const img = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 7, 10, 20, 30, 200]) };
  const out = modulateHsl(img, { hueDegrees: 120 });
  assert.deepEqual([out.data[3], out.data[7]], [7, 200]);
  assert.deepEqual([...img.data], [255, 0, 0, 7, 10, 20, 30, 200]);
});

Deno.test("bad factors are refused with the parameter's name", () => {
  const img = rgbImage([[[1, 2, 3]]]);
  assert.throws(() => modulateHsl(img, { lightness: -0.1 }), /lightness factor must be a finite number ≥ 0/);
  assert.throws(() => modulateHsl(img, { saturation: NaN }), /saturation/);
  assert.throws(() => modulateHsl(img, { hueDegrees: Infinity }), /hueDegrees/);
  assert.throws(() => modulateHsl({ width: 2, height: 2, data: new Uint8Array(4) }, {}), /expected 2×2 RGBA/);
});
