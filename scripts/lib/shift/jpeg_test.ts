import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { decodeImage } from "../../../model/core/mod.ts";
import { encodeJpeg, jpegRoundTrip } from "./jpeg.ts";

Deno.test("JPEG encode produces a decodable JPEG of the same size", async () => {
  const w = 16, h = 8;
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([200, 100, 150, 255], i * 4);
  const bytes = await encodeJpeg({ width: w, height: h, data }, 90);
  assert.deepEqual([bytes[0], bytes[1]], [0xff, 0xd8]);
  const back = await decodeImage(bytes);
  assert.equal(back.format, "jpeg");
  assert.deepEqual([back.width, back.height], [w, h]);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(back.data[i * 4 + c] - data[i * 4 + c]) <= 3);
  }
  await assert.rejects(() => encodeJpeg({ width: w, height: h, data }, 0), /quality/);
});

Deno.test("JPEG round trip of a real smear stays close, and lower quality moves further", async () => {
  const orig = await decodeImage(await readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
  const meanAbs = (a: Uint8Array) => {
    let s = 0;
    for (let i = 0; i < a.length; i += 4) {
      s += Math.abs(a[i] - orig.data[i]) + Math.abs(a[i + 1] - orig.data[i + 1]) +
        Math.abs(a[i + 2] - orig.data[i + 2]);
    }
    return s / (a.length / 4 * 3);
  };
  const q75 = await jpegRoundTrip(orig, 75);
  const q50 = await jpegRoundTrip(orig, 50);
  assert.deepEqual([q75.width, q75.height], [orig.width, orig.height]);
  const d75 = meanAbs(q75.data), d50 = meanAbs(q50.data);
  assert.ok(d75 > 0 && d75 < 6, `q75 mean abs diff ${d75}`);
  assert.ok(d50 >= d75 && d50 < 8, `q50 mean abs diff ${d50} vs q75 ${d75}`);
});
