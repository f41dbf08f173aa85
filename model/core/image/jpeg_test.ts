import assert from "node:assert/strict";
import { ImageDecodeError } from "./errors.ts";
import { decodeJpeg, jpegDecoderMemoryBytes, minScanBytes } from "./jpeg.ts";
import { decodePng } from "./png.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";

const hasCode = (code: string) => (e: unknown) => e instanceof ImageDecodeError && e.code === code;

/** Largest and mean absolute difference over all bytes. */
function diff(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  assert.equal(a.length, b.length);
  let max = 0, sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.length };
}

Deno.test("Taleqani JPEGs decode to 224×224 opaque RGBA", async () => {
  for (const name of ["taleqani_Benign_WBC-Benign-001.jpg", "taleqani_Early_WBC-Malignant-Early-001.jpg"]) {
    const img = await decodeJpeg(fixture(name));
    assert.deepEqual([img.width, img.height, img.data.length], [224, 224, 224 * 224 * 4]);
    for (let i = 3; i < img.data.length; i += 4) assert.equal(img.data[i], 255);
  }
});

Deno.test("Taleqani JPEGs match libjpeg's decode within IDCT rounding", async () => {
  for (const name of ["taleqani_Benign_WBC-Benign-001", "taleqani_Early_WBC-Malignant-Early-001"]) {
    const ours = await decodeJpeg(fixture(`${name}.jpg`));
    const libjpeg = decodePng(fixture(`${name}.libjpeg.png`));
    const d = diff(ours.data, libjpeg.data);
    assert.ok(d.max <= 4 && d.mean < 0.2, `${name}: ${JSON.stringify(d)}`);
  }
});

Deno.test("baseline and progressive encodings of the same cell decode (nearly) alike and close to the PNG", async () => {
  const base = await decodeJpeg(fixture("full_baseline.jpg"));
  const prog = await decodeJpeg(fixture("full_progressive.jpg"));
  const bp = diff(base.data, prog.data);
  assert.ok(bp.max <= 2 && bp.mean < 0.05, `baseline vs progressive ${JSON.stringify(bp)}`);
  const png = decodePng(fixture("cnmc_all_UID_35_6_2_all.png"));
  const lossy = diff(base.data, png.data);
  assert.ok(lossy.mean < 2 && lossy.mean > 0, `JPEG q90 vs lossless ${JSON.stringify(lossy)}`);
});

Deno.test("greyscale JPEG gives R = G = B close to the grey PNG", async () => {
  const img = await decodeJpeg(fixture("variant_grey.jpg"));
  for (let i = 0; i < img.data.length; i += 4) {
    assert.ok(img.data[i] === img.data[i + 1] && img.data[i] === img.data[i + 2]);
  }
  assert.ok(diff(img.data, decodePng(fixture("variant_grey8.png")).data).mean < 2);
});

Deno.test("CMYK JPEG is unsupported_image; truncated or garbled JPEGs are corrupt_image", async () => {
  await assert.rejects(decodeJpeg(fixture("variant_cmyk.jpg")), hasCode("unsupported_image"));
  const b = fixture("full_progressive.jpg");
  for (const cut of [3, 100, 600, b.length >> 1, b.length - 2]) {
    await assert.rejects(decodeJpeg(b.subarray(0, cut)), hasCode("corrupt_image"), `cut ${cut}`);
  }
  const garbled = b.slice();
  garbled.fill(0xab, 700, 2000);
  await assert.rejects(decodeJpeg(garbled), (e: unknown) => e instanceof ImageDecodeError);
  // the decoder is usable after failures
  assert.equal((await decodeJpeg(fixture("full_baseline.jpg"))).width, 450);
});

Deno.test("thousands of decodes reuse one instance without growing wasm memory", async () => {
  const bytes = fixture("taleqani_Early_WBC-Malignant-Early-001.jpg");
  const first = await decodeJpeg(bytes);
  await decodeJpeg(fixture("full_progressive.jpg")); // largest fixture: sets the high-water mark
  const memory = jpegDecoderMemoryBytes();
  assert.ok(memory > 0);
  for (let i = 0; i < 1000; i++) {
    const img = await decodeJpeg(bytes);
    if (i % 500 === 0) assert.deepEqual(img.data, first.data);
  }
  assert.equal(jpegDecoderMemoryBytes(), memory);
});

Deno.test("a JPEG whose header claims far more pixels than its data can hold is corrupt_image, before decoding (fuzz 20250101#8523)", async () => {
  // found by `deno task fuzz --seed 20250101`: the 19 KB Taleqani JPEG with its SOF width set to
  // 65534 decoded (padded with zeros) as 65534×224, and /v1/explain then took over 10 s
  const jpeg = (await fixture("taleqani_Benign_WBC-Benign-001.jpg")).slice();
  let o = 2;
  while (jpeg[o + 1] !== 0xc0 && jpeg[o + 1] !== 0xc2) o += 2 + ((jpeg[o + 2] << 8) | jpeg[o + 3]);
  new DataView(jpeg.buffer).setUint16(o + 7, 65534);
  await assert.rejects(decodeJpeg(jpeg), (e: unknown) => hasCode("corrupt_image")(e) && /cannot hold/.test(String(e)));
  assert.equal(
    minScanBytes({ width: 64, height: 64, sof: 0, precision: 8, components: 1, sampling: [{ h: 1, v: 1 }] }),
    8,
  );
  // 4:2:0: 16 luma blocks and 4 + 4 chroma blocks per 32×32
  const s420 = [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }];
  assert.equal(minScanBytes({ width: 32, height: 32, sof: 0, precision: 8, components: 3, sampling: s420 }), 3);
});
