import assert from "node:assert/strict";
import { decodeImage, ImageDecodeError } from "./decode.ts";
import { EXPECTED, fixture, fixtureNames, seeded, sha256Hex } from "../../../tests/helpers/image_fixtures.ts";

const hasCode = (code: string, text?: RegExp) => (e: unknown) =>
  e instanceof ImageDecodeError && e.code === code && (!text || text.test(e.message));

Deno.test("the same pixels give the same RGBA from every lossless container", async () => {
  const groups: Record<string, string[]> = {
    full: ["cnmc_all_UID_35_6_2_all.png", "cnmc_all_UID_35_6_2_all.bmp", "full_rgb24_v5.bmp", "full_rgb_lzw.tif"],
    crop: [
      "variant_rgb8.png",
      "variant_rgb8_adam7.png",
      "variant_rgb16.png",
      "variant_rgba8_opaque.png",
      "variant_rgb24_bottomup.bmp",
      "variant_rgb24_topdown.bmp",
      "variant_rgb32.bmp",
      "variant_rgb32_bitfields_v4.bmp",
      "variant_rgb_none.tif",
      "variant_rgb_lzw.tif",
      "variant_rgb_deflate.tif",
      "variant_rgb_packbits.tif",
      "variant_rgb_bigendian_lzw.tif",
    ],
    grey: ["variant_grey8.png", "variant_grey16_adam7.png", "variant_grey8_palette.bmp", "variant_grey_lzw.tif"],
    rgbaRamp: [
      "variant_rgba8.png",
      "variant_rgba16_adam7.png",
      "variant_rgba32_bitfields_v5.bmp",
      "variant_rgba_deflate.tif",
    ],
  };
  for (const [group, names] of Object.entries(groups)) {
    const first = await decodeImage(fixture(names[0]));
    assert.equal(sha256Hex(first.data), EXPECTED[group].rgbaSha256, names[0]);
    for (const n of names.slice(1)) assert.deepEqual((await decodeImage(fixture(n))).data, first.data, n);
  }
});

Deno.test("decodeImage reports the sniffed format", async () => {
  const cases: [string, string][] = [
    ["cnmc_all_UID_35_6_2_all.bmp", "bmp"],
    ["cnmc_hem_UID_H10_100_1_hem.png", "png"],
    ["taleqani_Early_WBC-Malignant-Early-001.jpg", "jpeg"],
    ["variant_rgb_lzw.tif", "tiff"],
  ];
  for (const [n, format] of cases) assert.equal((await decodeImage(fixture(n))).format, format);
});

Deno.test("limits are checked from the header, before decoding, with the numbers in the message", async () => {
  const bmp = fixture("cnmc_all_UID_35_6_2_all.bmp");
  await assert.rejects(
    decodeImage(bmp, { maxPixels: 450 * 450 - 1 }),
    hasCode("too_many_pixels", /450×450 = 202500.*202499/),
  );
  await assert.rejects(decodeImage(bmp, { minSide: 451 }), hasCode("too_small", /450×450.*451/));
  assert.equal((await decodeImage(bmp, { maxPixels: 450 * 450, minSide: 450 })).width, 450);
  // A header announcing 20000×20000 with no pixel data: refused for size, not decoded.
  const header = bmp.slice(0, 54);
  new DataView(header.buffer).setInt32(18, 20000, true);
  new DataView(header.buffer).setInt32(22, 20000, true);
  await assert.rejects(decodeImage(header), hasCode("too_many_pixels", /20000×20000/));
});

Deno.test("format declared by the caller must match the bytes; unknown bytes are unsupported", async () => {
  await assert.rejects(
    decodeImage(fixture("variant_rgb8.png"), { format: "jpeg" }),
    hasCode("corrupt_image", /declared as jpeg.*png/),
  );
  assert.equal((await decodeImage(fixture("variant_rgb8.png"), { format: "png" })).format, "png");
  await assert.rejects(decodeImage(new Uint8Array()), hasCode("unsupported_image", /empty/));
  await assert.rejects(decodeImage(new TextEncoder().encode("GIF89a....")), hasCode("unsupported_image"));
});

Deno.test("every fixture truncated anywhere gives corrupt_image (or still decodes fully), never another error", async () => {
  const rand = seeded(7);
  for (const n of fixtureNames(".bmp", ".png", ".jpg", ".tif")) {
    if (n.startsWith("variant_tiny") || n === "variant_cmyk.jpg") continue; // refused as unsupported first
    const b = fixture(n);
    const full = await decodeImage(b);
    for (let k = 0; k < 4; k++) {
      const cut = Math.floor(rand() * b.length);
      try {
        const img = await decodeImage(b.subarray(0, cut));
        // Only tolerated when nothing of the image is lost (e.g. the final row padding of a BMP).
        assert.deepEqual(img.data, full.data, `${n} cut at ${cut} decoded to different pixels`);
      } catch (e) {
        assert.ok(hasCode("corrupt_image")(e), `${n} cut at ${cut}: ${e}`);
      }
    }
  }
});

Deno.test("random byte corruption gives pixels or an ImageDecodeError, never a crash", async () => {
  const rand = seeded(11);
  const names = [
    "variant_rgb8.png",
    "variant_rgb24_topdown.bmp",
    "variant_palette8.bmp",
    "full_progressive.jpg",
    "taleqani_Benign_WBC-Benign-001.jpg",
    "variant_rgb_lzw.tif",
    "variant_rgb_packbits.tif",
    "variant_rgb_deflate.tif",
  ];
  for (const n of names) {
    const b = fixture(n);
    for (let k = 0; k < 8; k++) {
      const bad = b.slice();
      for (let j = 0; j < 4; j++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      try {
        const img = await decodeImage(bad);
        assert.equal(img.data.length, img.width * img.height * 4);
      } catch (e) {
        assert.ok(e instanceof ImageDecodeError, `${n}: ${e}`);
      }
    }
  }
});
