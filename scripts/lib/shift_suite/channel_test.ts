import assert from "node:assert/strict";
import { applyChannelGains, applyGamma, colourTemperatureGains, singleChannelGains } from "./channel.ts";
import { channelMeans, rgbImage, rgbRows, taleqani } from "../../../tests/helpers/shift_fixtures.ts";

const PIXELS = [
  [[100, 50, 200], [250, 10, 0]],
  [[0, 255, 128], [64, 32, 16]],
  [[255, 255, 255], [1, 2, 3]],
];

Deno.test("colour temperature g = 1.08: R × 1.08, B / 1.08, clipped and rounded, per position", () => {
  assert.deepEqual(rgbRows(applyChannelGains(rgbImage(PIXELS), colourTemperatureGains(1.08))), [
    // 100·1.08 = 108, 200/1.08 = 185.19; 250·1.08 = 270 → 255; 128/1.08 = 118.52 → 119
    [[108, 50, 185], [255, 10, 0]],
    [[0, 255, 119], [69, 32, 15]],
    [[255, 255, 236], [1, 2, 3]],
  ]);
});

Deno.test("a white-balance error scales one channel only", () => {
  assert.deepEqual(rgbRows(applyChannelGains(rgbImage(PIXELS), singleChannelGains("G", 0.92))), [
    // 50·0.92 = 46, 255·0.92 = 234.6 → 235, 32·0.92 = 29.44 → 29, 2·0.92 = 1.84 → 2
    [[100, 46, 200], [250, 9, 0]],
    [[0, 235, 128], [64, 29, 16]],
    [[255, 235, 255], [1, 2, 3]],
  ]);
  assert.throws(() => singleChannelGains("A" as "R", 1.1), /channel must be "R", "G" or "B"/);
});

Deno.test("gamma: exact levels, 0 and 255 fixed, γ > 1 darkens a real field and γ < 1 lightens it", async () => {
  // (100/255)^1.2·255 = 82.93 → 83, (50/255)^1.2·255 = 36.10 → 36, (200/255)^1.2·255 = 190.51 → 191,
  // 250 → 249.01 → 249, 10 → 5.23 → 5
  assert.deepEqual(rgbRows(applyGamma(rgbImage(PIXELS), 1.2))[0], [[83, 36, 191], [249, 5, 0]]);
  assert.deepEqual(rgbRows(applyGamma(rgbImage(PIXELS), 1.2))[2][0], [255, 255, 255]);
  const img = await taleqani("benign");
  const mean = (c: [number, number, number]) => (c[0] + c[1] + c[2]) / 3;
  const m = mean(channelMeans(img));
  assert.ok(mean(channelMeans(applyGamma(img, 1.2))) < m - 1);
  assert.ok(mean(channelMeans(applyGamma(img, 0.8))) > m + 1);
});

Deno.test("identity gains and gamma 1 return identical pixels in a new buffer", async () => {
  const img = await taleqani("benign");
  for (const out of [applyChannelGains(img, [1, 1, 1]), applyGamma(img, 1)]) {
    assert.deepEqual(out.data, img.data);
    assert.notEqual(out.data, img.data);
  }
});

Deno.test("bad gains and gammas are refused", () => {
  const img = rgbImage(PIXELS);
  assert.throws(() => applyChannelGains(img, [1, -1, 1]), /gain G must be a finite number ≥ 0/);
  assert.throws(() => applyGamma(img, 0), /gamma must be a finite number > 0/);
  assert.throws(() => colourTemperatureGains(0), /g must be a finite number > 0/);
});
