import assert from "node:assert/strict";
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import { decodeImage } from "../../../model/core/mod.ts";
import { toFloatRgb } from "../../../model/core/mod.ts";
import { bmpToFloatRgb } from "./bmp_fast.ts";
import { encodeBmp } from "../../../model/core/mod.ts";
import { seededRandom } from "../../../model/core/mod.ts";

const images = new URL("../../../tests/fixtures/images/", import.meta.url);
const limits = { maxPixels: 4096 * 4096, minSide: 8 };
const spec = (size: number, crop: PreprocessSpec["crop"] = "none"): PreprocessSpec => ({
  size,
  crop,
  resize: "area",
  normalization: { mode: "per-image", minStd: 0.02 },
  channelOrder: "RGB",
  alphaBackground: 0,
});

/** A BI_RGB BMP (BITMAPINFOHEADER) with pseudo-random pixels. */
function makeBmp(width: number, height: number, bpp: 24 | 32, topDown: boolean, seed = 1): Uint8Array {
  const rand = seededRandom(seed);
  const data = new Uint8Array(width * height * 4).map(() => Math.floor(rand() * 256));
  return encodeBmp({ width, height, data }, { bpp, topDown });
}

async function assertSame(bytes: Uint8Array, s: PreprocessSpec) {
  const fast = bmpToFloatRgb(bytes, s, limits);
  assert.ok(fast, "fast path declined a plain BI_RGB BMP");
  const img = await decodeImage(bytes, limits);
  const ref = toFloatRgb(img, s);
  assert.equal(fast.width, img.width);
  assert.equal(fast.height, img.height);
  assert.equal(fast.resized.width, ref.width);
  assert.deepEqual(fast.resized.data, ref.data); // bit for bit
}

Deno.test("bmpToFloatRgb: bit-identical to decodeImage + toFloatRgb on the real 450×450 C-NMC BMP", async () => {
  const bytes = await Deno.readFile(new URL("cnmc_all_UID_35_6_2_all.bmp", images));
  for (const size of [32, 96, 224]) await assertSame(bytes, spec(size));
  await assertSame(bytes, spec(96, "center-square"));
  await assertSame(await Deno.readFile(new URL("full_rgb24_v5.bmp", images)), spec(96));
});

Deno.test("bmpToFloatRgb: 24/32-bit, bottom-up/top-down, row padding, crops, up- and downscaling", async () => {
  for (const [w, h] of [[37, 23], [450, 451], [9, 64], [100, 100]]) {
    for (const bpp of [24, 32] as const) {
      for (const topDown of [false, true]) {
        for (const crop of ["none", "center-square"] as const) {
          await assertSame(makeBmp(w, h, bpp, topDown, w * h + bpp), spec(32, crop));
        }
      }
    }
  }
});

Deno.test("bmpToFloatRgb: declines other BMPs, other formats, broken files and limit breaches", async () => {
  const s = spec(32);
  for (const name of ["variant_palette8.bmp", "variant_mono1.bmp", "cnmc_all_UID_35_6_2_all.png"]) {
    assert.equal(bmpToFloatRgb(await Deno.readFile(new URL(name, images)), s, limits), undefined, name);
  }
  const good = makeBmp(40, 30, 24, false);
  assert.equal(bmpToFloatRgb(good.subarray(0, good.length - 5), s, limits), undefined, "truncated pixels");
  assert.equal(bmpToFloatRgb(good.subarray(0, 30), s, limits), undefined, "truncated header");
  assert.equal(bmpToFloatRgb(good, s, { maxPixels: 40 * 30 - 1, minSide: 8 }), undefined, "too many pixels");
  assert.equal(bmpToFloatRgb(good, s, { maxPixels: 1e6, minSide: 31 }), undefined, "too small");
  assert.ok(bmpToFloatRgb(good, s, limits));
});
