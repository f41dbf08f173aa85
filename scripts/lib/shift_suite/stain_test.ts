import assert from "node:assert/strict";
import { opticalDensity, RUIFROK_HED, scaleStains, stainConcentrations, stainsToRgb } from "./stain.ts";
import { maxAbsDiff, rgbImage, rgbRows, taleqani } from "../../../tests/helpers/shift_fixtures.ts";

/** The 8-bit pixel of concentrations c, computed here from the definition (not via stainsToRgb). */
function pixelOf(c: [number, number, number]): number[] {
  return [0, 1, 2].map((k) => {
    const od = c[0] * RUIFROK_HED[0][k] + c[1] * RUIFROK_HED[1][k] + c[2] * RUIFROK_HED[2][k];
    return Math.min(255, Math.max(0, Math.round(256 * 10 ** -od - 1)));
  });
}

Deno.test("the stain vectors are Ruifrok–Johnston's H, E, DAB, unit length", () => {
  assert.deepEqual(RUIFROK_HED[0].map((v) => v.toFixed(3)), ["0.651", "0.701", "0.290"]);
  assert.deepEqual(RUIFROK_HED[1].map((v) => v.toFixed(3)), ["0.070", "0.991", "0.110"]);
  for (const v of RUIFROK_HED) assert.equal(Math.hypot(...v).toFixed(12), "1.000000000000");
  assert.equal(opticalDensity(255), 0);
});

Deno.test("a pure haematoxylin pixel deconvolves to haematoxylin only, and H × 1.25 gives 1.25 × the dye", () => {
  const h = pixelOf([0.6, 0, 0]); // [65, 48, 172]-ish violet
  const e = pixelOf([0, 0.5, 0]);
  const c = stainConcentrations(h[0], h[1], h[2]);
  assert.ok(Math.abs(c[0] - 0.6) < 0.01 && Math.abs(c[1]) < 0.01 && Math.abs(c[2]) < 0.01, `H pixel → ${c}`);
  // 2×1 image: haematoxylin pixel left, eosin pixel right; only the left one changes
  const out = rgbRows(scaleStains(rgbImage([[h, e]]), { haematoxylin: 1.25 }));
  const expectH = pixelOf([0.75, 0, 0]);
  out[0][0].forEach((v, k) => assert.ok(Math.abs(v - expectH[k]) <= 1, `H×1.25: ${out[0][0]} vs ${expectH}`));
  out[0][1].forEach((v, k) => assert.ok(Math.abs(v - e[k]) <= 1, `the E pixel moved: ${out[0][1]} vs ${e}`));
  // and E × 0.8 changes the eosin pixel only
  const out2 = rgbRows(scaleStains(rgbImage([[h, e]]), { eosin: 0.8 }));
  const expectE = pixelOf([0, 0.4, 0]);
  out2[0][0].forEach((v, k) => assert.ok(Math.abs(v - h[k]) <= 1));
  out2[0][1].forEach((v, k) => assert.ok(Math.abs(v - expectE[k]) <= 1, `E×0.8: ${out2[0][1]} vs ${expectE}`));
  assert.notDeepEqual(out2[0][1], e);
});

Deno.test("deconvolution round trip (a = b = 1) on a real field is within 1 level on every pixel", async () => {
  const img = await taleqani("early");
  let worst = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    const back = stainsToRgb(stainConcentrations(img.data[i], img.data[i + 1], img.data[i + 2]));
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(back[c] - img.data[i + c]));
  }
  assert.ok(worst <= 1, `worst round-trip error ${worst}`);
});

Deno.test("on a real field the identity is exact (new buffer); pure white stays white under any scaling", async () => {
  const img = await taleqani("benign");
  const same = scaleStains(img, { haematoxylin: 1, eosin: 1 });
  assert.deepEqual(same.data, img.data);
  assert.notEqual(same.data, img.data);
  assert.ok(maxAbsDiff(scaleStains(img, { haematoxylin: 0.8 }), img) > 5);
  const white = rgbImage([[[255, 255, 255]]]);
  assert.deepEqual(rgbRows(scaleStains(white, { haematoxylin: 1.25, eosin: 0.8 })), rgbRows(white));
});

Deno.test("more haematoxylin darkens a real field's nuclei more than its background", async () => {
  const img = await taleqani("early");
  const out = scaleStains(img, { haematoxylin: 1.25 });
  let dDark = 0, nDark = 0, dBright = 0, nBright = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    const y = 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
    const d = (img.data[i] + img.data[i + 1] + img.data[i + 2]) - (out.data[i] + out.data[i + 1] + out.data[i + 2]);
    if (y < 140) dDark += d, nDark++;
    else if (y > 245) dBright += d, nBright++;
  }
  assert.ok(nDark > 100 && nBright > 100);
  // summed over R+G+B: about −59 levels on nuclei, −9 on the (slightly cyan) glass
  assert.ok(dDark / nDark > 5 * (dBright / nBright), `dark −${dDark / nDark}, bright −${dBright / nBright}`);
});

Deno.test("bad stain factors are refused", () => {
  assert.throws(() => scaleStains(rgbImage([[[1, 2, 3]]]), { eosin: -1 }), /eosin must be a finite number ≥ 0/);
});
