import assert from "node:assert/strict";
import { ImageDecodeError } from "./errors.ts";
import { decodeTiff } from "./tiff.ts";
import { EXPECTED, fixture, sha256Hex } from "../../../tests/helpers/image_fixtures.ts";

const hasCode = (code: string) => (e: unknown) => e instanceof ImageDecodeError && e.code === code;

Deno.test("TIFF: none, LZW, Deflate, PackBits, big-endian, grey and RGBA decode to their reference pixels", async () => {
  const cases: Record<string, string> = {
    "variant_rgb_none.tif": "crop",
    "variant_rgb_lzw.tif": "crop",
    "variant_rgb_deflate.tif": "crop",
    "variant_rgb_packbits.tif": "crop",
    "variant_rgb_bigendian_lzw.tif": "crop",
    "variant_grey_lzw.tif": "grey",
    "variant_rgba_deflate.tif": "rgbaRamp",
    "full_rgb_lzw.tif": "full",
  };
  for (const [name, group] of Object.entries(cases)) {
    assert.equal(sha256Hex((await decodeTiff(fixture(name))).data), EXPECTED[group].rgbaSha256, name);
  }
});

Deno.test("16-bit and JPEG-compressed TIFFs are unsupported_image with a hint", async () => {
  await assert.rejects(
    () => decodeTiff(fixture("variant_tiny_rgb16.tif")),
    (e: unknown) => hasCode("unsupported_image")(e) && /8 bits/.test((e as Error).message),
  );
  await assert.rejects(
    () => decodeTiff(fixture("variant_tiny_jpeg.tif")),
    (e: unknown) => hasCode("unsupported_image")(e) && /compression 7/.test((e as Error).message),
  );
});

Deno.test("truncated TIFFs are corrupt_image, also when the directory comes before the pixels", async () => {
  const b = fixture("variant_rgb_none.tif");
  for (const cut of [4, 8, 100, b.length >> 1, b.length - 20, b.length - 1]) {
    await assert.rejects(() => decodeTiff(b.subarray(0, cut)), hasCode("corrupt_image"), `cut ${cut}`);
  }
  // Move the directory to the front: keep the header + a patched copy where strip offset points past the end.
  const patched = b.slice();
  const v = new DataView(patched.buffer);
  const ifd = v.getUint32(4, true);
  for (let i = 0; i < v.getUint16(ifd, true); i++) {
    const e = ifd + 2 + i * 12;
    if (v.getUint16(e, true) === 273) v.setUint32(e + 8, b.length - 100, true); // one strip, far too close to the end
  }
  await assert.rejects(() => decodeTiff(patched), hasCode("corrupt_image"));
});
