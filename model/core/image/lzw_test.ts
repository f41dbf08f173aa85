import assert from "node:assert/strict";
import { decodeImage, ImageDecodeError } from "./decode.ts";
import { decodeTiffLzw } from "./lzw.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";

/** Packs codes MSB-first at the given widths. */
function pack(codes: [number, number][]): Uint8Array {
  const bits = codes.map(([c, w]) => c.toString(2).padStart(w, "0")).join("");
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === "1") out[i >> 3] |= 0x80 >> (i & 7);
  return out;
}

Deno.test("LZW: literal codes, a table code and the KwKwK case", () => {
  const out = new Uint8Array(7);
  // Clear, A, B (adds 258 "AB"), 258 (adds 259 "BA"), 260 = the code being defined (KwKwK: "ABA"), EOI
  const data = pack([[256, 9], [65, 9], [66, 9], [258, 9], [260, 9], [257, 9]]);
  const end = decodeTiffLzw(data, 0, data.length, out, 0);
  assert.equal(new TextDecoder().decode(out.subarray(0, end)), "ABABABA");
  assert.equal(end, 7);
});

Deno.test("LZW: a code beyond the table is corrupt_image", () => {
  const data = pack([[256, 9], [65, 9], [300, 9], [257, 9]]);
  assert.throws(
    () => decodeTiffLzw(data, 0, data.length, new Uint8Array(8), 0),
    (e: unknown) => e instanceof ImageDecodeError && e.code === "corrupt_image",
  );
});

Deno.test("corrupt LZW TIFF that hung utif2's decoder now finishes", async () => {
  const b = fixture("variant_rgb_lzw.tif").slice();
  for (const [i, v] of [[129, 34], [206, 128], [255, 235], [12794, 217]]) b[i] = v; // found by fuzzing
  try {
    const img = await decodeImage(b);
    assert.equal(img.data.length, 157 * 143 * 4);
  } catch (e) {
    assert.ok(e instanceof ImageDecodeError, String(e));
  }
});
