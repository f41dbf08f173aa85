import assert from "node:assert/strict";
import {
  binaryToFloat32,
  bytesToBinary,
  float32ToBinary,
  joinBinaryBody,
  readBytesElements,
  splitBinaryBody,
} from "./binary.ts";
import { ApiError } from "../http/errors.ts";
import { fixture } from "../../../tests/helpers/images.ts";

const isBadBody = (e: unknown) => e instanceof ApiError && e.status === 400 && e.code === "invalid_body";

Deno.test("BYTES binary data: framed images round-trip; one raw image is taken as is", async () => {
  const images = [
    await fixture("cnmc_all_UID_35_6_2_all.bmp"),
    await fixture("variant_grey8.png"),
    await fixture("full_rgb_lzw.tif"),
    await fixture("full_baseline.jpg"),
  ];
  const framed = new Uint8Array(images.reduce((a, b) => a + 4 + b.length, 0));
  let at = 0;
  for (const img of images) {
    new DataView(framed.buffer).setUint32(at, img.length, true);
    framed.set(img, at + 4);
    at += 4 + img.length;
  }
  assert.deepEqual(readBytesElements(framed, 4, "image"), images);
  // each signature alone, unframed, is one element (its first 4 bytes are not its length)
  for (const img of images) assert.deepEqual(readBytesElements(img, 1, "image"), [img]);
  // and a framed single element is unframed
  assert.deepEqual(readBytesElements(framed.subarray(0, 4 + images[0].length), 1, "image"), [images[0]]);
  // the framing of BYTES outputs is the same
  assert.deepEqual(
    readBytesElements(bytesToBinary(["review", "", "all"]), 3, "x").map((e) => new TextDecoder().decode(e)),
    [
      "review",
      "",
      "all",
    ],
  );
});

Deno.test("BYTES binary data: a count or framing that does not fit is 400", () => {
  const two = bytesToBinary(["ab", "c"]);
  assert.throws(() => readBytesElements(two, 3, "image"), isBadBody); // fewer elements than the shape
  assert.deepEqual(readBytesElements(two, 1, "image"), [two]); // not its own length: taken as one raw element
  assert.throws(() => readBytesElements(new Uint8Array([...two, 9]), 2, "image"), isBadBody); // a trailing byte
  assert.throws(() => readBytesElements(new Uint8Array([255, 255, 255, 127, 1]), 2, "image"), isBadBody); // length past the end
});

Deno.test("FP32 binary data: little-endian float32, exact size", () => {
  const values = new Float32Array([1, -0.5, 3.25e-8, Math.fround(Math.PI)]);
  const bin = float32ToBinary(values);
  assert.deepEqual([...bin.subarray(0, 4)], [0, 0, 0x80, 0x3f]);
  assert.deepEqual(binaryToFloat32(bin, 4, "input"), values);
  // an unaligned view (after a JSON header of odd length) reads the same
  const shifted = new Uint8Array(bin.length + 3);
  shifted.set(bin, 3);
  assert.deepEqual(binaryToFloat32(shifted.subarray(3), 4, "input"), values);
  assert.throws(() => binaryToFloat32(bin, 3, "input"), isBadBody);
  assert.throws(() => binaryToFloat32(bin.subarray(1), 4, "input"), /15 binary bytes for 4 FP32 values/);
});

Deno.test("splitBinaryBody / joinBinaryBody: the header length frames the JSON", () => {
  const { body, headerLength } = joinBinaryBody({ a: "é" }, [new Uint8Array([1]), new Uint8Array([2, 3])]);
  assert.equal(headerLength, 10); // {"a":"é"} is 9 characters, 10 UTF-8 bytes
  const { json, binary } = splitBinaryBody(body, String(headerLength));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(json)), { a: "é" });
  assert.deepEqual([...binary], [1, 2, 3]);
  assert.deepEqual([...splitBinaryBody(body, ` ${body.length} `).binary], []); // all JSON, no binary
  for (const bad of ["0", "-1", String(body.length + 1), "12abc", "1e3", ""]) {
    assert.throws(() => splitBinaryBody(body, bad), isBadBody, bad);
  }
});
