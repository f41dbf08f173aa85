import assert from "node:assert/strict";
import { decodeBmp } from "./bmp.ts";
import { ImageDecodeError } from "./errors.ts";
import { EXPECTED, fixture, rgbaToRgb, sha256Hex } from "../../../tests/helpers/image_fixtures.ts";

const corruptErr = (e: unknown) => e instanceof ImageDecodeError && e.code === "corrupt_image";

/** A 2×2 BMP, 24-bit, bottom-up: bottom row blue, green; top row red, white. */
function tiny24(topDown = false): Uint8Array {
  const b = new Uint8Array(54 + 2 * 8);
  const v = new DataView(b.buffer);
  b[0] = 0x42, b[1] = 0x4d;
  v.setUint32(2, b.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, 2, true);
  v.setInt32(22, topDown ? -2 : 2, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  const first = [255, 0, 0, 0, 255, 0]; // stored row 0 as BGR: blue, green
  const second = [0, 0, 255, 255, 255, 255]; // red, white
  b.set(first, 54);
  b.set(second, 62);
  return b;
}

Deno.test("2×2 hand-made BMP: rows are flipped for bottom-up, kept for top-down; BGR → RGB", () => {
  assert.deepEqual(
    Array.from(decodeBmp(tiny24()).data),
    [255, 0, 0, 255, 255, 255, 255, 255, 0, 0, 255, 255, 0, 255, 0, 255],
  );
  assert.deepEqual(
    Array.from(decodeBmp(tiny24(true)).data),
    [0, 0, 255, 255, 0, 255, 0, 255, 255, 0, 0, 255, 255, 255, 255, 255],
  );
});

Deno.test("real C-NMC training BMP decodes to the dataset's pixel hash", () => {
  const img = decodeBmp(fixture("cnmc_all_UID_35_6_2_all.bmp"));
  assert.equal(sha256Hex(rgbaToRgb(img.data)), EXPECTED.full.rgbSha256);
  const v5 = decodeBmp(fixture("full_rgb24_v5.bmp"));
  assert.equal(sha256Hex(v5.data), EXPECTED.full.rgbaSha256);
});

Deno.test("BMP variants (24/32-bit, bit fields, V4/V5, palettes 1/4/8-bit) decode to their reference pixels", () => {
  const cases: Record<string, string> = {
    "variant_rgb24_bottomup.bmp": "crop",
    "variant_rgb24_topdown.bmp": "crop",
    "variant_rgb32.bmp": "crop",
    "variant_rgb32_bitfields_v4.bmp": "crop",
    "variant_rgba32_bitfields_v5.bmp": "rgbaRamp",
    "variant_grey8_palette.bmp": "grey",
    "variant_palette8.bmp": "palette64",
    "variant_palette4.bmp": "grey4",
    "variant_mono1.bmp": "grey1",
  };
  for (const [name, group] of Object.entries(cases)) {
    assert.equal(sha256Hex(decodeBmp(fixture(name)).data), EXPECTED[group].rgbaSha256, name);
  }
});

Deno.test("truncated BMPs throw corrupt_image at every cut point", () => {
  for (const name of ["cnmc_all_UID_35_6_2_all.bmp", "variant_palette8.bmp", "variant_rgba32_bitfields_v5.bmp"]) {
    const b = fixture(name);
    for (const cut of [0, 2, 14, 30, 54, 100, 1000, b.length >> 1, b.length - 5]) {
      assert.throws(() => decodeBmp(b.subarray(0, cut)), corruptErr, `${name} cut at ${cut}`);
    }
  }
});

Deno.test("BMP with a pixel offset past the end, or a palette index past the palette, is corrupt", () => {
  const b = fixture("variant_rgb24_bottomup.bmp").slice();
  new DataView(b.buffer).setUint32(10, b.length - 10, true);
  assert.throws(() => decodeBmp(b), corruptErr);
  const p = fixture("variant_palette4.bmp").slice();
  new DataView(p.buffer).setUint32(46, 4, true); // claims 4 colours, pixels use 16
  assert.throws(() => decodeBmp(p), corruptErr);
});
