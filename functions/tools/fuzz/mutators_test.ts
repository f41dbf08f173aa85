import assert from "node:assert/strict";
import { decodeImage, ImageDecodeError } from "../../../model/core/mod.ts";
import { BY_FORMAT, type Mutator } from "./mutators.ts";
import { createRng } from "./rng.ts";

const images = new URL("../../../tests/fixtures/images/", import.meta.url);
const read = (name: string) => Deno.readFile(new URL(name, images));

/** Outcome of decoding what `mutator` makes of `bytes` with seed `seed`: "ok" or the error code. */
async function outcome(mutator: Mutator, bytes: Uint8Array, seed: number): Promise<string> {
  const copy = bytes.slice();
  const mutated = mutator(bytes, createRng(seed));
  assert.deepEqual(bytes, copy, "a mutator never changes its input");
  try {
    await decodeImage(mutated);
    return "ok";
  } catch (e) {
    if (e instanceof ImageDecodeError) return e.code;
    throw e;
  }
}

async function outcomes(mutator: Mutator, bytes: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  for (let seed = 1; seed <= 12; seed++) out.push(await outcome(mutator, bytes, seed));
  return out;
}

Deno.test("hostile mutators: PNG IDAT bombs (with or without empty blocks first) are always too_much_work", async () => {
  const png = await read("cnmc_all_UID_35_6_2_all.png");
  assert.deepEqual(new Set(await outcomes(BY_FORMAT.png.pngIdatBomb, png)), new Set(["too_much_work"]));
});

Deno.test("hostile mutators: a TIFF strip repointed at a zlib or LZW bomb is always too_much_work", async () => {
  for (const name of ["variant_rgb_lzw.tif", "variant_rgb_none.tif", "variant_grey_lzw.tif"]) {
    assert.deepEqual(
      new Set(await outcomes(BY_FORMAT.tiff.tiffStripBomb, await read(name))),
      new Set(["too_much_work"]),
    );
  }
});

Deno.test("hostile mutators: TIFF geometry lies are refused before decoding, or decode when they happen to fit", async () => {
  const found = await outcomes(BY_FORMAT.tiff.tiffChunkCountLie, await read("variant_rgb_lzw.tif"));
  assert.ok(found.every((c) => ["ok", "corrupt_image", "too_much_work"].includes(c)), found.join());
  assert.ok(found.includes("corrupt_image"), found.join());
});

Deno.test("hostile mutators: JPEG scan floods are too_much_work once they pass the limits", async () => {
  for (const name of ["full_baseline.jpg", "full_progressive.jpg"]) {
    const found = await outcomes(BY_FORMAT.jpeg.jpegScanFlood, await read(name));
    assert.ok(found.every((c) => ["ok", "corrupt_image", "too_much_work"].includes(c)), `${name}: ${found}`);
    assert.ok(found.includes("too_much_work"), `${name}: ${found}`);
  }
});

Deno.test("hostile mutators: a JPEG frame blown up over zeros is corrupt_image unless the zeros hold every block", async () => {
  // with this file's (standard) tables a zero byte string is valid Huffman data, ~24 bytes per block:
  // 16× the original data covers a 448×448 frame (and decodes), 1× does not (refused)
  const jpeg = await read("taleqani_Benign_WBC-Benign-001.jpg");
  const found = await outcomes(BY_FORMAT.jpeg.jpegZeroScan, jpeg);
  assert.ok(found.every((c) => c === "ok" || c === "corrupt_image"), found.join());
  assert.ok(found.filter((c) => c === "corrupt_image").length >= 6, found.join());
});
