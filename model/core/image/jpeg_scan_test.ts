import assert from "node:assert/strict";
import { ImageDecodeError } from "./errors.ts";
import { MAX_JPEG_SCANS, readJpegStructure } from "./header.ts";
import { decodeJpeg } from "./jpeg.ts";
import { checkJpegScans, MAX_SCAN_PASSES } from "./jpeg_scan.ts";
import { workCounters } from "./work.ts";
import { fixture, fixtureNames } from "../../../tests/helpers/image_fixtures.ts";
import { jpegFlat, jpegManyScans, jpegZeroData } from "../../../tests/helpers/hostile_images.ts";

const hasCode = (code: string, pattern = /./) => (e: unknown) =>
  e instanceof ImageDecodeError && e.code === code && pattern.test(e.message);
const check = (bytes: Uint8Array) => checkJpegScans(bytes, readJpegStructure(bytes));
const allGrey = (data: Uint8Array, v: number) => data.every((x, i) => (i & 3) === 3 ? x === 255 : x === v);

Deno.test("every JPEG fixture passes the scan check, walking each block of its sequential or DC scans once", () => {
  for (const name of fixtureNames(".jpg").filter((n) => !n.includes("cmyk"))) {
    const bytes = fixture(name);
    const s = readJpegStructure(bytes);
    const before = workCounters().jpegBlocks;
    check(bytes);
    const blocks = s.frameComponents.reduce((n, c) => {
      const hMax = Math.max(...s.frameComponents.map((x) => x.h)),
        vMax = Math.max(...s.frameComponents.map((x) => x.v));
      return n + Math.ceil(Math.ceil((s.width * c.h) / hMax) / 8) * Math.ceil(Math.ceil((s.height * c.v) / vMax) / 8);
    }, 0);
    // a baseline scan walks whole MCUs (edge padding included): at least every block, at most a few rows more
    const walked = workCounters().jpegBlocks - before;
    assert.ok(walked >= blocks && walked < blocks * 1.2, `${name}: walked ${walked} of ${blocks}`);
  }
});

Deno.test("a flat JPEG decodes to grey 128, with and without restart markers", async () => {
  for (const interval of [0, 1, 3, 8]) {
    const img = await decodeJpeg(jpegFlat(64, interval));
    assert.ok(allGrey(img.data, 128), `restart interval ${interval}`);
  }
});

Deno.test("restart intervals cut short count as missing: up to one row of MCUs tolerated, more refused", () => {
  // 64×64 grey: 8×8 blocks, one block per MCU, 8 per row; intervals of 4 blocks
  check(jpegFlat(64, 4, [3])); // 4 blocks missing
  check(jpegFlat(64, 4, [2, 9])); // 8 missing: one row
  assert.throws(() => check(jpegFlat(64, 4, [1, 2, 5])), hasCode("corrupt_image", /ends after 52 of the 64 blocks/));
  // the last interval is where a cut file ends: same rule
  assert.throws(() => check(jpegFlat(64, 4, [13, 14, 15])), hasCode("corrupt_image", /ends after 52 of the 64/));
});

Deno.test("issue 18: a 4000×4000 header over 219 KB of zeros is corrupt_image, refused after walking under 5 % of its blocks", async () => {
  const bytes = jpegZeroData(fixture("taleqani_Benign_WBC-Benign-001.jpg"), 4000, 4000, 219_000);
  const before = workCounters().jpegBlocks;
  await assert.rejects(decodeJpeg(bytes), hasCode("corrupt_image", /ends after 2269 of the 62500 MCUs/));
  assert.ok(workCounters().jpegBlocks - before < 0.05 * 375_000);
});

Deno.test("zeros that encode flat blocks under the file's own tables are a flat image, and decode", async () => {
  // full_baseline.jpg's optimised tables give the all-zero codes to DC difference 0 and end-of-block
  const bytes = jpegZeroData(fixture("full_baseline.jpg"), 512, 512, 20_000);
  const img = await decodeJpeg(bytes);
  assert.equal(img.width, 512);
  assert.ok(img.data.every((x, i) => x === img.data[i & 3]), "every pixel alike");
});

Deno.test(`issue 18: 1,000 progressive scans are too_much_work before a block is walked (limit ${MAX_JPEG_SCANS})`, async () => {
  const bytes = jpegManyScans(4096, 1000); // 79 KB
  const before = workCounters().jpegBlocks;
  await assert.rejects(decodeJpeg(bytes), hasCode("too_much_work", /more than 100 scans/));
  assert.equal(workCounters().jpegBlocks, before);
});

Deno.test(`scans passing over the blocks more than ${MAX_SCAN_PASSES} times are too_much_work; a few are fine`, async () => {
  await assert.rejects(decodeJpeg(jpegManyScans(256, 30)), hasCode("too_much_work", /blocks 31\.0 times/));
  const img = await decodeJpeg(jpegManyScans(64, 5));
  assert.ok(allGrey(img.data, 128));
  // the same holds for sequential scans: a baseline scan repeated 25 times
  const flat = jpegFlat(64);
  const sos = flat.findLastIndex((b, i) => b === 0xff && flat[i + 1] === 0xda);
  const scan = flat.subarray(sos, flat.length - 2);
  const repeated = new Uint8Array([...flat.subarray(0, sos), ...Array(25).fill([...scan]).flat(), 0xff, 0xd9]);
  assert.equal(readJpegStructure(repeated).scans.length, 25);
  assert.throws(() => check(repeated), hasCode("too_much_work"));
});
