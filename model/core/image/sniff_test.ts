import assert from "node:assert/strict";
import { sniffFormat } from "./sniff.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";

Deno.test("sniffFormat recognises every fixture by its magic bytes", () => {
  assert.equal(sniffFormat(fixture("cnmc_all_UID_35_6_2_all.bmp")), "bmp");
  assert.equal(sniffFormat(fixture("cnmc_all_UID_35_6_2_all.png")), "png");
  assert.equal(sniffFormat(fixture("taleqani_Benign_WBC-Benign-001.jpg")), "jpeg");
  assert.equal(sniffFormat(fixture("variant_rgb_lzw.tif")), "tiff"); // II*\0
  assert.equal(sniffFormat(fixture("variant_rgb_bigendian_lzw.tif")), "tiff"); // MM\0*
});

Deno.test("sniffFormat returns null for other data and for too-short prefixes", () => {
  assert.equal(sniffFormat(new Uint8Array()), null);
  assert.equal(sniffFormat(new TextEncoder().encode("GIF89a")), null);
  assert.equal(sniffFormat(new TextEncoder().encode("<html>")), null);
  assert.equal(sniffFormat(new Uint8Array([0xff, 0xd8])), null); // JPEG needs three bytes
  assert.equal(sniffFormat(fixture("variant_rgb8.png").subarray(0, 7)), null);
  assert.equal(sniffFormat(new Uint8Array([0x49, 0x49, 0x2b, 0x00])), null); // BigTIFF is not "tiff" magic
});
