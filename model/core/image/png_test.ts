import assert from "node:assert/strict";
import { decode as imagescriptDecode } from "imagescript/png/src/png.mjs";
import { ImageDecodeError } from "./errors.ts";
import { decodePng } from "./png.ts";
import { inflateSlack } from "./inflate.ts";
import { workCounters } from "./work.ts";
import {
  concat,
  EXPECTED,
  fixture,
  pngChunk,
  rgbaToRgb,
  sha256Hex,
  tinyPng,
} from "../../../tests/helpers/image_fixtures.ts";
import { deflateEmptyBlocks, pngInflateBomb } from "../../../tests/helpers/hostile_images.ts";

const hasCode = (code: string) => (e: unknown) => e instanceof ImageDecodeError && e.code === code;

Deno.test("real C-NMC PNGs decode to the dataset's pixel hashes", () => {
  assert.equal(sha256Hex(rgbaToRgb(decodePng(fixture("cnmc_all_UID_35_6_2_all.png")).data)), EXPECTED.full.rgbSha256);
  // manifest.csv pixel_sha256 of fold_1/hem/UID_H10_100_1_hem.png
  assert.equal(
    sha256Hex(rgbaToRgb(decodePng(fixture("cnmc_hem_UID_H10_100_1_hem.png")).data)),
    "5a47c5048d9a5670dc99d0cb08150ee378bb768c51e2a499c345cf5d68a0d3c1",
  );
});

Deno.test("PNG colour types, bit depths 1–16, Adam7 and tRNS decode to their reference pixels", () => {
  const cases: Record<string, string> = {
    "variant_rgb8.png": "crop",
    "variant_rgb8_adam7.png": "crop",
    "variant_rgb16.png": "crop",
    "variant_rgba8_opaque.png": "crop",
    "variant_grey8.png": "grey",
    "variant_grey16_adam7.png": "grey",
    "variant_grey4.png": "grey4",
    "variant_grey4_adam7.png": "grey4",
    "variant_palette4.png": "grey4",
    "variant_grey1.png": "grey1",
    "variant_palette8.png": "palette64",
    "variant_palette8_trns.png": "palette64Transparent",
    "variant_quant_rgb8_key.png": "palette64Transparent",
    "variant_quant_rgba8.png": "palette64Transparent",
    "variant_rgba8.png": "rgbaRamp",
    "variant_rgba16_adam7.png": "rgbaRamp",
    "variant_greya8.png": "greyRamp",
  };
  for (const [name, group] of Object.entries(cases)) {
    assert.equal(sha256Hex(decodePng(fixture(name)).data), EXPECTED[group].rgbaSha256, name);
  }
});

Deno.test("agrees with imagescript's decode() where that one is right, and fixes Adam7 where it is not", () => {
  for (
    const name of [
      "cnmc_all_UID_35_6_2_all.png",
      "variant_rgb8.png",
      "variant_rgba8.png",
      "variant_grey8.png",
      "variant_palette8.png",
    ]
  ) {
    assert.deepEqual(decodePng(fixture(name)).data, new Uint8Array(imagescriptDecode(fixture(name)).buffer), name);
  }
  const adam7 = fixture("variant_rgb8_adam7.png");
  assert.notDeepEqual(new Uint8Array(imagescriptDecode(adam7).buffer), decodePng(adam7).data);
});

Deno.test("16-bit samples round to nearest 8-bit value, not the high byte", () => {
  // 1×4 grey 16-bit: 0x00FF, 0xFF00, 0x8080, 0xFFFF → 1, 254, 128, 255 (high byte would give 0, 255, 128, 255)
  const png = tinyPng(4, 1, 0, 16, new Uint8Array([0, 0x00, 0xff, 0xff, 0x00, 0x80, 0x80, 0xff, 0xff]));
  const d = decodePng(png).data;
  assert.deepEqual([d[0], d[4], d[8], d[12]], [1, 254, 128, 255]);
});

Deno.test("grey colour key (tRNS) makes exactly the keyed pixels transparent", () => {
  const png = tinyPng(3, 1, 0, 8, new Uint8Array([0, 10, 20, 10]), [pngChunk("tRNS", new Uint8Array([0, 10]))]);
  assert.deepEqual(Array.from(decodePng(png).data), [10, 10, 10, 0, 20, 20, 20, 255, 10, 10, 10, 0]);
});

Deno.test("truncation, bad CRC, bad filter, missing IEND and palette overflow are corrupt_image", () => {
  const b = fixture("variant_rgb8.png");
  for (const cut of [8, 20, 33, 40, 100, b.length >> 1, b.length - 13, b.length - 1]) {
    assert.throws(() => decodePng(b.subarray(0, cut)), hasCode("corrupt_image"), `cut at ${cut}`);
  }
  const flipped = b.slice();
  flipped[b.length >> 1] ^= 0x10;
  assert.throws(() => decodePng(flipped), hasCode("corrupt_image"));
  assert.throws(() => decodePng(tinyPng(1, 1, 0, 8, new Uint8Array([7, 1]))), hasCode("corrupt_image")); // filter 7
  assert.throws(() => decodePng(tinyPng(2, 2, 0, 8, new Uint8Array([0, 1, 2]))), hasCode("corrupt_image")); // short data
  const pal = pngChunk("PLTE", new Uint8Array([0, 0, 0, 255, 255, 255]));
  assert.throws(() => decodePng(tinyPng(1, 1, 3, 8, new Uint8Array([0, 5]), [pal])), hasCode("corrupt_image"));
  assert.throws(() => decodePng(tinyPng(1, 1, 3, 8, new Uint8Array([0, 0]))), hasCode("corrupt_image")); // no PLTE
  assert.throws(() => decodePng(tinyPng(1, 1, 2, 4, new Uint8Array([0, 0]))), hasCode("corrupt_image")); // RGB 4-bit invalid
});

Deno.test("an unknown critical chunk is unsupported_image", () => {
  const png = tinyPng(1, 1, 0, 8, new Uint8Array([0, 1]), [pngChunk("ZZZZ", new Uint8Array([1]))]);
  assert.throws(() => decodePng(png), hasCode("unsupported_image"));
  const ancillary = tinyPng(1, 1, 0, 8, new Uint8Array([0, 1]), [pngChunk("zzZz", new Uint8Array([1]))]);
  assert.deepEqual(Array.from(decodePng(ancillary).data), [1, 1, 1, 255]);
});

Deno.test("a PNG whose IDAT inflates to 64 MiB is too_much_work, having inflated only its declared size and the slack", () => {
  const bomb = pngInflateBomb(64, 64, 64 << 20); // 64 KiB for 64 MiB of zeros; the header needs 64·65 bytes
  assert.ok(bomb.length < 70_000);
  const before = workCounters().inflated;
  assert.throws(
    () => decodePng(bomb),
    (e: unknown) => hasCode("too_much_work")(e) && /needs 4160/.test((e as Error).message),
  );
  const inflated = workCounters().inflated - before;
  assert.equal(inflated, 4160 + inflateSlack(4160)); // not 64 MiB
});

Deno.test("a PNG whose stream is thousands of empty compressed blocks is too_much_work", () => {
  const z = new Uint8Array([0x78, 0x01, ...deflateEmptyBlocks(20_000), 0, 0, 0, 1]);
  const png = concat([
    tinyPng(8, 8, 0, 8, new Uint8Array(72)).subarray(0, 33), // signature and IHDR
    pngChunk("IDAT", z),
    pngChunk("IEND", new Uint8Array()),
  ]);
  assert.throws(() => decodePng(png), hasCode("too_much_work"));
});

Deno.test("trailing data within the slack is ignored (as libpng does); past it the PNG is too_much_work", () => {
  const rows = new Uint8Array(8 * 9).map((_, i) => (i % 9 === 0 ? 0 : i * 3));
  const plain = decodePng(tinyPng(8, 8, 0, 8, rows));
  const junk = (n: number) => concat([rows, new Uint8Array(n).fill(7)]);
  assert.deepEqual(decodePng(tinyPng(8, 8, 0, 8, junk(100))).data, plain.data);
  assert.deepEqual(decodePng(tinyPng(8, 8, 0, 8, junk(inflateSlack(72)))).data, plain.data);
  assert.throws(() => decodePng(tinyPng(8, 8, 0, 8, junk(inflateSlack(72) + 1))), hasCode("too_much_work"));
});
