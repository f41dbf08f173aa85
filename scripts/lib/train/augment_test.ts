import assert from "node:assert/strict";
import {
  adjustColor,
  augment,
  augmentJpeg,
  DEFAULT_AUGMENT,
  dihedral,
  drawSourceJpegQuality,
  jpegAugment,
  NO_AUGMENT,
  subsampleChroma,
} from "./augment.ts";
import { makeRng } from "./rng.ts";

const img = (w: number, h: number, f: (x: number, y: number, c: number) => number) => {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = f(x, y, c);
  }
  return { width: w, height: h, data };
};

Deno.test("dihedral: 8 codes give the 8 distinct symmetries and keep pixels", () => {
  const src = img(3, 2, (x, y, c) => (y * 3 + x) * 3 + c);
  const seen = new Set<string>();
  for (let code = 0; code < 8; code++) {
    const d = dihedral(src, code);
    assert.equal(d.width * d.height, 6);
    assert.deepEqual(Array.from(d.data).sort((p, q) => p - q), Array.from(src.data).sort((p, q) => p - q));
    seen.add(Array.from(d.data).join(","));
  }
  assert.equal(seen.size, 8);
  assert.deepEqual(Array.from(dihedral(src, 0).data), Array.from(src.data));
  assert.deepEqual(Array.from(dihedral(img(2, 1, (x) => x), 1).data), [1, 1, 1, 0, 0, 0]);
});

Deno.test("adjustColor: identity params keep the image; grey makes channels equal; output in [0,1]", () => {
  const src = img(4, 4, (x, y, c) => ((x + 2 * y + c) % 5) / 4);
  const same = adjustColor(src, { brightness: 1, contrast: 1, saturation: 1, hue: 0, grey: false });
  for (let i = 0; i < src.data.length; i++) assert.ok(Math.abs(same.data[i] - src.data[i]) < 2e-3);
  const grey = adjustColor(src, { brightness: 1, contrast: 1, saturation: 1, hue: 0.05, grey: true });
  for (let i = 0; i < grey.data.length; i += 3) {
    assert.ok(Math.abs(grey.data[i] - grey.data[i + 1]) < 1e-3 && Math.abs(grey.data[i] - grey.data[i + 2]) < 1e-3);
  }
  const strong = adjustColor(src, { brightness: 1.5, contrast: 1.5, saturation: 1.5, hue: 0.3, grey: false });
  assert.ok(strong.data.every((v) => v >= 0 && v <= 1));
});

Deno.test("augment: pure, seeded, and actually changes colours", () => {
  const src = img(8, 8, (x, y, c) => (c === 0 ? 0.8 : 0.3) * ((x + y) % 3) / 2);
  const before = src.data.slice();
  const a = augment(src, makeRng(7)), b = augment(src, makeRng(7)), c = augment(src, makeRng(8));
  assert.deepEqual(src.data, before);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.deepEqual(augment(src, makeRng(7), NO_AUGMENT).data, src.data);
  assert.ok(DEFAULT_AUGMENT.greyscale > 0 && DEFAULT_AUGMENT.hue > 0);
});

Deno.test("subsampleChroma keeps each pixel's luma and gives each 2×2 block one chroma", () => {
  const data = new Float32Array([
    0.9,
    0.2,
    0.3,
    0.1,
    0.5,
    0.8,
    0.4,
    0.4,
    0.4,
    0.7,
    0.6,
    0.1,
    0.3,
    0.9,
    0.2,
    0.5,
    0.5,
    0.6,
  ]);
  const img = { width: 3, height: 2, data };
  const out = subsampleChroma(img).data;
  const luma = (d: Float32Array, i: number) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  for (let i = 0; i < 18; i += 3) assert.ok(Math.abs(luma(out, i) - luma(data, i)) < 1e-6, `luma of pixel ${i / 3}`);
  // pixels 0, 1, 3, 4 form one block: equal chroma (RGB − luma)
  const chroma = (i: number) => [0, 1, 2].map((k) => out[i + k] - luma(out, i));
  for (const i of [3, 9, 12]) chroma(i).forEach((v, k) => assert.ok(Math.abs(v - chroma(0)[k]) < 1e-6));
  // the right column (pixels 2 and 5) is its own block and differs
  assert.ok(chroma(6).some((v, k) => Math.abs(v - chroma(0)[k]) > 0.01));
});

Deno.test("augment with acquisition jitter is seeded, stays in [0, 1] and changes the image", () => {
  const img = { width: 4, height: 4, data: Float32Array.from({ length: 48 }, (_, i) => ((i * 37) % 100) / 100) };
  const opts = { ...NO_AUGMENT, acquisition: { gain: 0.1, blur: 1, chroma: 1 } };
  const a = augment(img, makeRng(3), opts), b = augment(img, makeRng(3), opts);
  assert.deepEqual(a.data, b.data);
  assert.ok(a.data.every((v) => v >= 0 && v <= 1));
  assert.ok(a.data.some((v, i) => Math.abs(v - img.data[i]) > 0.01));
  assert.deepEqual(augment(img, makeRng(3), NO_AUGMENT).data, img.data);
});

Deno.test("jpegAugment: a real cell comes back the same size, close at q95 and visibly lossier at q20", async () => {
  const { decodeImage } = await import("../../../model/core/mod.ts");
  const { toFloatRgb } = await import("../../../model/core/mod.ts");
  const bytes = await Deno.readFile("tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg");
  const img = toFloatRgb(await decodeImage(bytes), {
    size: 96,
    crop: "none",
    resize: "area",
    channelOrder: "RGB",
    alphaBackground: 0,
    normalization: { mode: "per-image", minStd: 0.01 },
  });
  const err = (a: { data: Float32Array }) =>
    a.data.reduce((s, v, i) => s + Math.abs(v - img.data[i]), 0) / img.data.length;
  const hi = await jpegAugment(img, 95), lo = await jpegAugment(img, 20);
  assert.equal(hi.width, 96);
  assert.equal(hi.data.length, img.data.length);
  assert.ok(err(hi) < 0.01, `q95 error ${err(hi)}`);
  assert.ok(err(lo) > 2 * err(hi), `q20 error ${err(lo)} vs q95 ${err(hi)}`);
});

Deno.test("augmentJpeg: off draws nothing, probability 0 keeps the image, probability 1 re-encodes", async () => {
  const img = { width: 16, height: 16, data: Float32Array.from({ length: 768 }, (_, i) => ((i * 53) % 256) / 255) };
  const a = makeRng(5), b = makeRng(5);
  assert.equal(await augmentJpeg(img, a, NO_AUGMENT), img);
  assert.equal(a(), b(), "no jpeg option: the random stream is untouched (runs stay reproducible)");
  assert.equal(
    await augmentJpeg(img, makeRng(5), { ...NO_AUGMENT, jpeg: { probability: 0, minQuality: 40, maxQuality: 40 } }),
    img,
  );
  const out = await augmentJpeg(img, makeRng(5), {
    ...NO_AUGMENT,
    jpeg: { probability: 1, minQuality: 30, maxQuality: 30 },
  });
  assert.equal(out.data.length, img.data.length);
  assert.ok(out.data.some((v, i) => Math.abs(v - img.data[i]) > 0.01));
});

Deno.test("drawSourceJpegQuality: off draws nothing; otherwise a quality in range, as often as asked", () => {
  const a = makeRng(9), b = makeRng(9);
  assert.equal(drawSourceJpegQuality(a, NO_AUGMENT), null);
  assert.equal(a(), b(), "no jpegSource option: the random stream is untouched");
  const opts = { ...NO_AUGMENT, jpegSource: { probability: 0.3, minQuality: 40, maxQuality: 90 } };
  const rng = makeRng(3);
  const qs = Array.from({ length: 2000 }, () => drawSourceJpegQuality(rng, opts));
  const drawn = qs.filter((q): q is number => q !== null);
  assert.ok(Math.abs(drawn.length / qs.length - 0.3) < 0.04, `applied ${drawn.length / qs.length}`);
  assert.ok(drawn.every((q) => Number.isInteger(q) && q >= 40 && q <= 90));
  assert.ok(Math.min(...drawn) <= 42 && Math.max(...drawn) >= 88, "the whole range is drawn");
});
