import assert from "node:assert/strict";
import { ImageDecodeError } from "./errors.ts";
import { readBmpHeader, readImageHeader, readJpegHeader } from "./header.ts";
import { concat, fixture, fixtureNames, pngChunk } from "../../../tests/helpers/image_fixtures.ts";
import type { ImageFormat } from "../preprocess/types.ts";

const formatOf = (n: string): ImageFormat =>
  n.endsWith(".bmp") ? "bmp" : n.endsWith(".png") ? "png" : n.endsWith(".jpg") ? "jpeg" : "tiff";
const sizeOf = (n: string) =>
  n.startsWith("variant_tiny")
    ? [16, 16]
    : n.startsWith("variant_")
    ? [157, 143]
    : n.startsWith("taleqani")
    ? [224, 224]
    : [450, 450];

const rejects = (f: () => unknown, code: string) =>
  assert.throws(f, (e: unknown) => e instanceof ImageDecodeError && e.code === code);

Deno.test("readImageHeader gives the size of every fixture", () => {
  const names = fixtureNames(".bmp", ".png", ".jpg", ".tif");
  assert.ok(names.length >= 40);
  for (const n of names) {
    const { width, height } = readImageHeader(fixture(n), formatOf(n));
    assert.deepEqual([width, height], sizeOf(n), n);
  }
});

Deno.test("header readers need only the first bytes of BMP, PNG and JPEG", () => {
  assert.deepEqual(readImageHeader(fixture("full_rgb24_v5.bmp").subarray(0, 138), "bmp"), { width: 450, height: 450 });
  assert.deepEqual(readImageHeader(fixture("variant_rgb8.png").subarray(0, 33), "png"), { width: 157, height: 143 });
  assert.deepEqual(readImageHeader(fixture("full_progressive.jpg").subarray(0, 1000), "jpeg"), {
    width: 450,
    height: 450,
  });
});

Deno.test("BMP header: negative height means top-down; V5 header recognised", () => {
  const td = readBmpHeader(fixture("variant_rgb24_topdown.bmp"));
  assert.equal(td.topDown, true);
  assert.equal(td.height, 143);
  assert.equal(readBmpHeader(fixture("variant_rgb24_bottomup.bmp")).topDown, false);
  assert.equal(readBmpHeader(fixture("full_rgb24_v5.bmp")).headerSize, 124);
});

Deno.test("JPEG header reports frame type and components", () => {
  const base = readJpegHeader(fixture("full_baseline.jpg"));
  const prog = readJpegHeader(fixture("full_progressive.jpg"));
  assert.equal(base.sof, 0);
  assert.equal(prog.sof, 2);
  assert.equal(readJpegHeader(fixture("variant_grey.jpg")).components, 1);
  assert.equal(readJpegHeader(fixture("variant_cmyk.jpg")).components, 4);
});

Deno.test("truncated or garbage headers throw corrupt_image", () => {
  rejects(() => readImageHeader(fixture("variant_rgb8.png").subarray(0, 20), "png"), "corrupt_image");
  rejects(() => readImageHeader(fixture("variant_rgb24_bottomup.bmp").subarray(0, 20), "bmp"), "corrupt_image");
  rejects(() => readImageHeader(fixture("full_baseline.jpg").subarray(0, 100), "jpeg"), "corrupt_image");
  rejects(() => readImageHeader(new Uint8Array([0x49, 0x49, 0x2a, 0]), "tiff"), "corrupt_image");
  rejects(() => readImageHeader(new Uint8Array(64), "png"), "corrupt_image");
  const png = fixture("variant_rgb8.png").slice();
  png[17] ^= 1; // width changed: IHDR CRC no longer matches
  rejects(() => readImageHeader(png, "png"), "corrupt_image");
  const bmp = fixture("variant_rgb24_bottomup.bmp").slice();
  new DataView(bmp.buffer).setInt32(18, 0, true); // width 0
  rejects(() => readImageHeader(bmp, "bmp"), "corrupt_image");
});

Deno.test("unsupported variants are named: BigTIFF, OS/2 BMP, RLE BMP; huge sides are too_many_pixels", () => {
  rejects(() => readImageHeader(new Uint8Array([0x49, 0x49, 0x2b, 0, 8, 0, 0, 0]), "tiff"), "unsupported_image");
  const os2 = fixture("variant_rgb24_bottomup.bmp").slice();
  new DataView(os2.buffer).setUint32(14, 12, true);
  rejects(() => readBmpHeader(os2), "unsupported_image");
  const rle = fixture("variant_palette8.bmp").slice();
  new DataView(rle.buffer).setUint32(30, 1, true);
  rejects(() => readBmpHeader(rle), "unsupported_image");
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, 100_000);
  new DataView(ihdr.buffer).setUint32(4, 10);
  ihdr[8] = 8, ihdr[9] = 2;
  const huge = concat([fixture("variant_rgb8.png").subarray(0, 8), pngChunk("IHDR", ihdr)]);
  rejects(() => readImageHeader(huge, "png"), "too_many_pixels");
});
