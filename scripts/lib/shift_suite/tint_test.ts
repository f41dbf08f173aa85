import assert from "node:assert/strict";
import { applyBackgroundTint, tintColour } from "./tint.ts";
import { channelMeans, rgbImage, rgbRows, taleqani } from "../../../tests/helpers/shift_fixtures.ts";

Deno.test("the tint is full on white, partial in the ramp, absent on dark pixels, per position", () => {
  // luma: 255 → 1 (w 1); (230, 220, 200) → 0.8655 → t = 0.5776, w = 3t² − 2t³ = 0.6155;
  // (190, 191, 192) → 0.7490, just below lo = 0.75 → w 0
  const img = rgbImage([[[255, 255, 255], [230, 220, 200]], [[90, 60, 140], [190, 191, 192]]]);
  const out = rgbRows(applyBackgroundTint(img, { tint: tintColour("cool", 0.1) }));
  // cool 10%: (0.9, 0.95, 1). Ramp pixel: R 230·(1 − 0.1·0.6155) = 215.84, G 220·(1 − 0.05·0.6155) = 213.23
  assert.deepEqual(out, [[[230, 242, 255], [216, 213, 200]], [[90, 60, 140], [190, 191, 192]]]);
});

Deno.test("on a real field dark pixels are unchanged and the background takes the tint", async () => {
  const img = await taleqani("benign");
  const out = applyBackgroundTint(img, { tint: tintColour("warm", 0.1) });
  let moved = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    const y = (0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2]) / 255;
    const same = img.data[i] === out.data[i] && img.data[i + 1] === out.data[i + 1] &&
      img.data[i + 2] === out.data[i + 2];
    if (y <= 0.75) assert.ok(same, `a pixel of luma ${y} changed`);
    else if (!same) moved++;
  }
  assert.ok(moved > img.width * img.height * 0.5, `only ${moved} pixels moved`);
  const [r, g, b] = channelMeans(out), [r0, g0, b0] = channelMeans(img);
  assert.ok(Math.abs(r - r0) < 1 && b0 - b > 10 && g0 - g > 5 && g0 - g < b0 - b, `${[r, g, b]} vs ${[r0, g0, b0]}`);
});

Deno.test("a neutral tint returns identical pixels; bad settings are refused", async () => {
  const img = await taleqani("benign");
  assert.deepEqual(applyBackgroundTint(img, { tint: [1, 1, 1] }).data, img.data);
  assert.throws(() => applyBackgroundTint(img, { tint: [1, 1, 1], lo: 0.9, hi: 0.8 }), /lo < hi/);
  assert.throws(() => applyBackgroundTint(img, { tint: [1, -1, 1] }), /three finite numbers ≥ 0/);
  assert.throws(() => tintColour("warm", 2), /k must be in \[0, 1\]/);
});
