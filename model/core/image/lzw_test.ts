import assert from "node:assert/strict";
import { decodeImage, ImageDecodeError } from "./decode.ts";
import { decodeTiffLzw } from "./lzw.ts";
import { workCounters } from "./work.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import { lzwChains, lzwPack } from "../../../tests/helpers/hostile_images.ts";

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
  assert.deepEqual(decodeTiffLzw(data, out), { produced: 7, stop: "end" });
  assert.equal(new TextDecoder().decode(out), "ABABABA");
  // the same codes written by the hostile-image helper's packer, and without EOI: stops at "input"
  assert.deepEqual(lzwPack([256, 65, 66, 258, 260, 257]), data);
  assert.deepEqual(decodeTiffLzw(lzwPack([256, 65, 66, 258, 260]), out), { produced: 7, stop: "input" });
});

Deno.test("LZW: a code beyond the table is corrupt_image", () => {
  const data = pack([[256, 9], [65, 9], [300, 9], [257, 9]]);
  assert.throws(
    () => decodeTiffLzw(data, new Uint8Array(8)),
    (e: unknown) => e instanceof ImageDecodeError && e.code === "corrupt_image",
  );
});

Deno.test("LZW: chains of 3,839-byte codes stop `extra` bytes past the target, having produced only that much", () => {
  const chains = lzwChains(10_000); // 15 KB of codes that would expand to 38 MB
  const out = new Uint8Array(1024);
  const before = workCounters().lzw;
  assert.deepEqual(decodeTiffLzw(chains, out, { extra: 2048 }), { produced: 3072, stop: "limit" });
  assert.equal(workCounters().lzw - before, 3072);
  assert.ok(out.every((b) => b === 0));
  // with room for all of it, the chain lengths are what the generator says: 1 + 2 + … + 3839, then 10 000 × 3839
  const all = decodeTiffLzw(chains, new Uint8Array(0), { extra: 1e9 });
  assert.deepEqual(all, { produced: (3839 * 3840) / 2 + 10_000 * 3839, stop: "end" });
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
