import assert from "node:assert/strict";
import type { PreprocessSpec } from "./spec.ts";
import { decodeImage } from "../image/decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import {
  areaWeights,
  cropRect,
  imageStats,
  normalizeToTensor,
  preprocess,
  toFloatRgb,
  toGrey,
  toRelativeChroma,
} from "./preprocess.ts";
import type { FloatRgbImage, RgbaImage } from "./types.ts";

const spec = (size: number, over: Partial<PreprocessSpec> = {}): PreprocessSpec => ({
  size,
  crop: "none",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  normalization: { mode: "per-image", minStd: 1e-3 },
  ...over,
});

/** Opaque grey image from a row-major list of byte values (R = G = B). */
const grey = (width: number, height: number, values: number[]): RgbaImage => ({
  width,
  height,
  data: new Uint8Array(values.flatMap((v) => [v, v, v, 255])),
});
const red = (img: FloatRgbImage) => Array.from(img.data.filter((_, i) => i % 3 === 0));
const close = (a: number[], b: number[], eps = 1e-6) =>
  assert.ok(a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= eps), `${a} ≉ ${b}`);

Deno.test("area resample 4×4 → 2×2 averages each 2×2 block", () => {
  const img = grey(4, 4, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]);
  close(red(toFloatRgb(img, spec(2))), [25, 45, 105, 125].map((v) => v / 255));
});

Deno.test("area resample 3 → 2 weighs the shared middle pixel by its covered fraction", () => {
  const w = areaWeights(3, 2);
  close(Array.from(w.weights.subarray(0, 2)), [2 / 3, 1 / 3]);
  // 3×3 image whose columns are 0, 150, 255: target columns (2/3·0 + 1/3·150) and (1/3·150 + 2/3·255)
  const img = grey(3, 3, [0, 150, 255, 0, 150, 255, 0, 150, 255]);
  close(red(toFloatRgb(img, spec(2))), [50, 220, 50, 220].map((v) => v / 255), 1e-6);
});

Deno.test("upsampling 2 → 4 repeats each pixel; a constant image stays constant at any scale", () => {
  close(red(toFloatRgb(grey(2, 1, [0, 255]), spec(4))).slice(0, 4), [0, 0, 1, 1]);
  const c = grey(450, 450, new Array(450 * 450).fill(77));
  const out = toFloatRgb(c, spec(128));
  assert.equal(out.data.length, 128 * 128 * 3);
  for (const v of out.data) assert.ok(Math.abs(v - 77 / 255) < 1e-6);
});

Deno.test("centre-square crop keeps the middle of a wide image", () => {
  assert.deepEqual(cropRect(4, 2, "center-square"), { x: 1, y: 0, width: 2, height: 2 });
  assert.deepEqual(cropRect(3, 6, "center-square"), { x: 0, y: 1, width: 3, height: 3 });
  const img = grey(4, 2, [255, 10, 20, 255, 255, 30, 40, 255]);
  close(red(toFloatRgb(img, spec(2, { crop: "center-square" }))), [10, 20, 30, 40].map((v) => v / 255));
  close(red(toFloatRgb(img, spec(1, { crop: "center-square" }))), [25 / 255]);
});

Deno.test("alpha is composited over alphaBackground", () => {
  const img: RgbaImage = { width: 1, height: 1, data: new Uint8Array([255, 0, 0, 51]) }; // 20 % opaque red
  close(Array.from(toFloatRgb(img, spec(1, { alphaBackground: 255 })).data), [1, 0.8, 0.8]);
  close(Array.from(toFloatRgb(img, spec(1, { alphaBackground: 0 })).data), [0.2, 0, 0]);
});

Deno.test("fixed normalisation and NCHW vs NHWC hold the same numbers", () => {
  const img: FloatRgbImage = { width: 2, height: 1, data: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) };
  const s = spec(2, { normalization: { mode: "fixed", mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] } });
  const nchw = normalizeToTensor(img, s, "NCHW");
  const nhwc = normalizeToTensor(img, s, "NHWC");
  close(Array.from(nhwc), [-1.6, -0.6, -0.2, -0.4, 0, 0.1], 1e-6);
  close(Array.from(nchw), [-1.6, -0.4, -0.6, 0, -0.2, 0.1], 1e-6);
});

Deno.test("per-image normalisation gives each channel mean 0 and std 1; flat channels stay finite", () => {
  const img = toFloatRgb(grey(8, 8, Array.from({ length: 64 }, (_, i) => (i * 37) % 256)), spec(8));
  const t = normalizeToTensor(img, spec(8), "NCHW");
  for (let c = 0; c < 3; c++) {
    const ch = Array.from(t.subarray(c * 64, (c + 1) * 64));
    const mean = ch.reduce((a, b) => a + b) / 64;
    const std = Math.sqrt(ch.reduce((a, b) => a + (b - mean) ** 2, 0) / 64);
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(std - 1) < 1e-4, `channel ${c}: ${mean}, ${std}`);
  }
  const flat = normalizeToTensor(toFloatRgb(grey(2, 2, [9, 9, 9, 9]), spec(2)), spec(2), "NHWC");
  assert.deepEqual(Array.from(flat), new Array(12).fill(0));
});

Deno.test("normalizeToTensor writes into a batch slot at the offset and refuses overflow", () => {
  const img: FloatRgbImage = { width: 1, height: 1, data: new Float32Array([1, 1, 1]) };
  const s = spec(1, { normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] } });
  const batch = new Float32Array(6).fill(-9);
  normalizeToTensor(img, s, "NCHW", batch, 3);
  assert.deepEqual(Array.from(batch), [-9, -9, -9, 1, 1, 1]);
  assert.throws(() => normalizeToTensor(img, s, "NCHW", batch, 4), RangeError);
});

Deno.test("imageStats: channel means, stds and dark fraction", () => {
  const st = imageStats({
    width: 2,
    height: 2,
    data: new Float32Array([0, 0, 0, 0.05, 0.2, 0, 1, 1, 1, 0.95, 0.8, 1]),
  });
  close([st.meanR, st.meanG, st.meanB, st.darkFraction], [0.5, 0.5, 0.5, 0.25]);
  close([st.stdR], [Math.sqrt((0.25 + 0.2025 + 0.25 + 0.2025) / 4)]);
  // saturation per pixel: 0, 1, 0, 0.2 → mean 0.3; background = brightest pixel by luma (white)
  close([st.meanSaturation, st.backgroundTint], [0.3, 0]);
  const tinted = imageStats({ width: 2, height: 1, data: new Float32Array([1, 0.9, 0.8, 0.3, 0.2, 0.4]) });
  close([tinted.backgroundTint], [0.2]);
  const grey = imageStats({ width: 1, height: 1, data: new Float32Array([0.4, 0.4, 0.4]) });
  close([grey.meanSaturation, grey.backgroundTint], [0, 0]);
});

Deno.test("real cells: area resampling keeps the channel means; BMP and PNG of one cell give one tensor", async () => {
  const s = spec(128, { normalization: { mode: "fixed", mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } });
  for (
    const [name, size] of [["cnmc_all_UID_35_6_2_all.png", 128], ["taleqani_Benign_WBC-Benign-001.jpg", 96]] as const
  ) {
    const img = await decodeImage(fixture(name));
    const src = imageStats(toFloatRgb(img, spec(img.width)));
    const dst = imageStats(toFloatRgb(img, spec(size)));
    close([dst.meanR, dst.meanG, dst.meanB], [src.meanR, src.meanG, src.meanB], 1e-5);
    assert.ok(dst.stdR <= src.stdR + 1e-6); // averaging never adds contrast
  }
  const cnmc = imageStats(toFloatRgb(await decodeImage(fixture("cnmc_all_UID_35_6_2_all.png")), spec(128)));
  const smear = imageStats(toFloatRgb(await decodeImage(fixture("taleqani_Benign_WBC-Benign-001.jpg")), spec(128)));
  assert.ok(cnmc.darkFraction > 0.5, `C-NMC cell on black: ${cnmc.darkFraction}`);
  assert.ok(smear.darkFraction < 0.05, `smear field: ${smear.darkFraction}`);
  const fromBmp = preprocess(await decodeImage(fixture("cnmc_all_UID_35_6_2_all.bmp")), s, "NCHW");
  const fromPng = preprocess(await decodeImage(fixture("cnmc_all_UID_35_6_2_all.png")), s, "NCHW");
  assert.deepEqual(fromBmp, fromPng);
  assert.equal(fromPng.length, 3 * 128 * 128);
});

Deno.test("colorMode grey: all channels equal the luma, then normalised", () => {
  const img = { width: 2, height: 1, data: new Float32Array([1, 0, 0, 0, 0, 1]) };
  const grey = toGrey(img);
  assert.deepEqual(Array.from(grey.data).map((v) => +v.toFixed(3)), [0.299, 0.299, 0.299, 0.114, 0.114, 0.114]);
  const spec: PreprocessSpec = {
    size: 2,
    crop: "none",
    resize: "area",
    channelOrder: "RGB",
    alphaBackground: 0,
    colorMode: "grey",
    normalization: { mode: "fixed", mean: [0.2, 0.2, 0.2], std: [0.1, 0.1, 0.1] },
  };
  const t = normalizeToTensor(img, spec, "NCHW");
  // NCHW: each channel plane is [(0.299-0.2)/0.1, (0.114-0.2)/0.1]
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(t[c * 2] - 0.99) < 1e-5);
    assert.ok(Math.abs(t[c * 2 + 1] - -0.86) < 1e-5);
  }
  // rgb mode gives different numbers for the same image (the option is not a no-op)
  const rgb = normalizeToTensor(img, { ...spec, colorMode: "rgb" }, "NCHW");
  assert.notDeepEqual(Array.from(rgb), Array.from(t));
});

Deno.test("relative-chroma: saturation, then chroma rotated to the image's mean hue", () => {
  // red (0°) and blue (240°), fully saturated: their mean hue is magenta (300°), 60° from each
  const out = Array.from(toRelativeChroma({ width: 2, height: 1, data: new Float32Array([1, 0, 0, 0, 0, 1]) }).data);
  const s60 = Math.sqrt(3) / 2;
  close(out, [1, 0.5, s60, 1, 0.5, -s60], 1e-6);
  // white and grey pixels hold no dye: all zero, whatever their brightness
  close(Array.from(toRelativeChroma({ width: 2, height: 1, data: new Float32Array([1, 1, 1, 0.3, 0.3, 0.3]) }).data), [
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
});

Deno.test("relative-chroma on a real cell: the same tensor for a dimmer lamp, and not the rgb tensor", async () => {
  const img = await decodeImage(await fixture("taleqani_Early_WBC-Malignant-Early-001.jpg"));
  const s = spec(64, { colorMode: "relative-chroma", normalization: { mode: "per-image", minStd: 0.01 } });
  const resized = toFloatRgb(img, s);
  const dim = { ...resized, data: resized.data.map((v) => v * 0.8) };
  const a = normalizeToTensor(resized, s, "NCHW"), b = normalizeToTensor(dim, s, "NCHW");
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff < 1e-3, `brightness ×0.8 moved the input by ${maxDiff}`);
  // The mode is not a no-op: rgb normalisation of the same image differs.
  const rgb = normalizeToTensor(resized, { ...s, colorMode: "rgb" }, "NCHW");
  assert.ok(a.some((v, i) => Math.abs(v - rgb[i]) > 0.1));
  assert.ok(a.every(Number.isFinite));
});

Deno.test("relative-chroma matches the exact trigonometric definition on random pixels", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const img = { width: 50, height: 40, data: Float32Array.from({ length: 6000 }, rand) };
  const out = toRelativeChroma(img).data;
  const hsv = (r: number, g: number, b: number) => {
    const max = Math.max(r, g, b), d = max - Math.min(r, g, b);
    let h = d === 0 ? 0 : max === r ? (g - b) / d : max === g ? 2 + (b - r) / d : 4 + (r - g) / d;
    h = (h / 6 + 1) % 1;
    return [h, max > 0 ? d / max : 0];
  };
  let sc = 0, ss = 0;
  const px = Array.from({ length: 2000 }, (_, i) => hsv(img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]));
  for (const [h, s] of px) sc += s * Math.cos(2 * Math.PI * h), ss += s * Math.sin(2 * Math.PI * h);
  const mean = Math.atan2(ss, sc);
  px.forEach(([h, s], i) => {
    const want = [s, s * Math.cos(2 * Math.PI * h - mean), s * Math.sin(2 * Math.PI * h - mean)];
    want.forEach((v, c) =>
      assert.ok(Math.abs(out[i * 3 + c] - v) < 1e-6, `pixel ${i} channel ${c}: ${out[i * 3 + c]} vs ${v}`)
    );
  });
});
