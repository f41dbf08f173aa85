import assert from "node:assert/strict";
import { ImageDecodeError } from "./errors.ts";
import { compress } from "imagescript/png/src/zlib.mjs";
import { decodeTiff } from "./tiff.ts";
import { inflateSlack } from "./inflate.ts";
import { workCounters } from "./work.ts";
import { concat, EXPECTED, fixture, sha256Hex } from "../../../tests/helpers/image_fixtures.ts";
import {
  deflateEmptyBlocks,
  TAG,
  tiffDeflateBomb,
  tiffFile,
  tiffLzwChains,
  tiffManyStrips,
  tiffTinyTiles,
} from "../../../tests/helpers/hostile_images.ts";

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

const rejectsWith = async (p: Promise<unknown>, code: string, pattern: RegExp) => {
  await assert.rejects(p, (e: unknown) => hasCode(code)(e) && pattern.test((e as Error).message));
};

Deno.test("strip and tile counts must match the geometry: checked before any strip is decoded", async () => {
  const before = workCounters();
  // issue 18: 2048², 1×1 tiles, one offset (158 bytes asking for 4,194,304 tile decodes)
  await rejectsWith(decodeTiff(tiffTinyTiles(2048, 2048, 1, 1)), "corrupt_image", /1 tile offsets .* takes 4194304/);
  // issue 18: a million strips for 1024 rows of one row each
  await rejectsWith(decodeTiff(tiffManyStrips(64, 64, 10_000)), "corrupt_image", /10000 strip offsets, but 64 rows/);
  assert.deepEqual(workCounters(), before); // nothing was decoded
});

Deno.test("tiles smaller than 16×16, or covering far more than the image, are too_much_work", async () => {
  await rejectsWith(decodeTiff(tiffTinyTiles(64, 64, 8, 64)), "too_much_work", /8×8-pixel tiles \(64 of them/);
  await rejectsWith(decodeTiff(tiffTinyTiles(64, 64, 65_536, 1)), "too_much_work", /cover 4294967296 pixels/);
  // a 256×256 tile for a 100×100 image is fine (checked by decoding it below)
  const t = tiledTiff(100, 100, 256, 1);
  assert.deepEqual((await decodeTiff(t.file)).data, t.rgba);
});

Deno.test("a Deflate strip inflating to 64 MiB is too_much_work after the strip's size and slack", async () => {
  const before = workCounters().inflated;
  await rejectsWith(decodeTiff(tiffDeflateBomb(64, 64, 64 << 20)), "too_much_work", /header gives it 12288/);
  assert.equal(workCounters().inflated - before, 12_288 + inflateSlack(12_288));
});

Deno.test("issue 18: 16 strips sharing one stream of LZW code chains are too_much_work before decoding", async () => {
  const file = tiffLzwChains(1024, 16, 20_000); // each strip's data would expand to 77 MB
  const before = workCounters().lzw;
  await rejectsWith(decodeTiff(file), "too_much_work", /strips hold 566560 bytes .* in a 35672-byte file/);
  assert.equal(workCounters().lzw, before);
});

Deno.test("one strip of LZW code chains stops after the strip's size and slack", async () => {
  const file = tiffLzwChains(1024, 1, 20_000); // 35 KB that would expand to 77 MB
  const before = workCounters().lzw;
  await rejectsWith(decodeTiff(file), "too_much_work", /strip 0 decodes to more than 2176 bytes/);
  assert.equal(workCounters().lzw - before, 1024 + inflateSlack(1024));
});

Deno.test("Deflate strips share one budget for block headers and tables: hundreds of empty blocks in each is too_much_work", async () => {
  // 64 strips of one 64-pixel row, each 300 empty dynamic blocks then its row: fine alone, not 64 times
  const strip = (fill: number) =>
    new Uint8Array([0x78, 0x01, ...deflateEmptyBlocks(300, new Uint8Array(64).fill(fill)), 0, 0, 0, 0]);
  const one = strip(9);
  const single = tiffFile([
    { tag: TAG.width, type: 4, values: [64] },
    { tag: TAG.height, type: 4, values: [1] },
    { tag: TAG.bits, type: 3, values: [8] },
    { tag: TAG.compression, type: 3, values: [8] },
    { tag: TAG.photometric, type: 3, values: [1] },
    { tag: TAG.stripOffsets, type: 4, values: [0] },
    { tag: TAG.rowsPerStrip, type: 4, values: [1] },
    { tag: TAG.stripByteCounts, type: 4, values: [one.length] },
  ], one);
  assert.equal((await decodeTiff(single)).data[0], 9);
  const strips = Array.from({ length: 64 }, (_, i) => strip(i));
  const offsets: number[] = [];
  strips.reduce((at, c) => (offsets.push(at), at + c.length), 0);
  const many = tiffFile([
    { tag: TAG.width, type: 4, values: [64] },
    { tag: TAG.height, type: 4, values: [64] },
    { tag: TAG.bits, type: 3, values: [8] },
    { tag: TAG.compression, type: 3, values: [8] },
    { tag: TAG.photometric, type: 3, values: [1] },
    { tag: TAG.stripOffsets, type: 4, values: offsets },
    { tag: TAG.rowsPerStrip, type: 4, values: [1] },
    { tag: TAG.stripByteCounts, type: 4, values: strips.map((c) => c.length) },
  ], concat(strips));
  await rejectsWith(decodeTiff(many), "too_much_work", /more compressed blocks than its size needs/);
});

Deno.test("a strip holding fewer bytes than its rows need is corrupt_image", async () => {
  const t = tiledTiff(40, 24, 16, 32773, 2); // PackBits, predictor 2
  assert.deepEqual((await decodeTiff(t.file)).data, t.rgba);
  const lzw = fixture("variant_rgb_lzw.tif").slice();
  const v = new DataView(lzw.buffer);
  const ifd = v.getUint32(4, true);
  for (let i = 0; i < v.getUint16(ifd, true); i++) {
    const e = ifd + 2 + i * 12;
    if (v.getUint16(e, true) === 279 && v.getUint32(e + 4, true) === 1) v.setUint32(e + 8, 500, true);
  }
  await rejectsWith(decodeTiff(lzw), "corrupt_image", /strip 0 holds \d+ of its \d+ bytes/);
});

Deno.test("tiles (uncompressed, PackBits, Deflate; with and without differencing) decode to their pixels, edges cropped", async () => {
  for (const [w, h, tile, compression] of [[40, 24, 16, 1], [40, 24, 16, 32773], [33, 47, 32, 8], [16, 16, 16, 8]]) {
    for (const predictor of [1, 2]) {
      const t = tiledTiff(w, h, tile, compression, predictor);
      assert.deepEqual((await decodeTiff(t.file)).data, t.rgba, `${w}×${h} tile ${tile} c${compression} p${predictor}`);
    }
  }
});

Deno.test("decoding a tiled TIFF prints nothing (utif2 wrote '==== x y' to stdout)", async () => {
  const printed: unknown[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void printed.push(args);
  try {
    await decodeTiff(tiledTiff(40, 24, 16, 8).file);
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed, []);
});

/**
 * An RGB image with varied pixels, stored in `tile`×`tile` tiles (compression 1, 8 or 32773, optional
 * horizontal differencing), and the RGBA it must decode to.
 */
function tiledTiff(w: number, h: number, tile: number, compression: number, predictor = 1) {
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) rgba.set([(i * 7) & 255, (i * 13) & 255, (i >> 3) & 255, 255], i * 4);
  const across = Math.ceil(w / tile), down = Math.ceil(h / tile);
  const chunks: Uint8Array[] = [];
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const t = new Uint8Array(tile * tile * 3); // padding past the image stays 0
      for (let y = 0; y < tile && ty * tile + y < h; y++) {
        for (let x = 0; x < tile && tx * tile + x < w; x++) {
          const s = ((ty * tile + y) * w + tx * tile + x) * 4;
          t.set(rgba.subarray(s, s + 3), (y * tile + x) * 3);
        }
      }
      if (predictor === 2) {
        for (let y = 0; y < tile; y++) {
          for (let j = tile * 3 - 1; j >= 3; j--) t[y * tile * 3 + j] -= t[y * tile * 3 + j - 3];
        }
      }
      chunks.push(
        compression === 8 ? compress(t, 6) as Uint8Array : compression === 32773 ? packBits(t) : t,
      );
    }
  }
  const offsets: number[] = [];
  chunks.reduce((at, c) => (offsets.push(at), at + c.length), 0);
  const file = tiffFile([
    { tag: TAG.width, type: 4, values: [w] },
    { tag: TAG.height, type: 4, values: [h] },
    { tag: TAG.bits, type: 3, values: [8, 8, 8] },
    { tag: TAG.compression, type: 3, values: [compression] },
    { tag: TAG.photometric, type: 3, values: [2] },
    { tag: TAG.samples, type: 3, values: [3] },
    { tag: TAG.planar, type: 3, values: [1] },
    { tag: TAG.predictor, type: 3, values: [predictor] },
    { tag: TAG.tileWidth, type: 3, values: [tile] },
    { tag: TAG.tileLength, type: 3, values: [tile] },
    { tag: TAG.tileOffsets, type: 4, values: offsets },
    { tag: TAG.tileByteCounts, type: 4, values: chunks.map((c) => c.length) },
  ], concat(chunks));
  return { file, rgba };
}

/** PackBits: runs of 3+ equal bytes as repeats, the rest as literals. */
function packBits(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < data.length;) {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    if (run >= 3) {
      out.push(257 - run, data[i]), i += run;
      continue;
    }
    let n = 0;
    while (i + n < data.length && n < 128 && !(data[i + n] === data[i + n + 1] && data[i + n] === data[i + n + 2])) n++;
    n = Math.max(1, n);
    out.push(n - 1, ...data.subarray(i, i + n)), i += n;
  }
  return new Uint8Array(out);
}

Deno.test("only the first directory is read: a chain of directories that loops back is harmless (utif2 never returned)", async () => {
  const pixels = new Uint8Array(256).map((_, i) => i);
  const t = tiffFile([
    { tag: TAG.width, type: 4, values: [16] },
    { tag: TAG.height, type: 4, values: [16] },
    { tag: TAG.bits, type: 3, values: [8] },
    { tag: TAG.photometric, type: 3, values: [1] },
    { tag: TAG.stripOffsets, type: 4, values: [0] },
    { tag: TAG.rowsPerStrip, type: 4, values: [16] },
    { tag: TAG.stripByteCounts, type: 4, values: [256] },
  ], pixels);
  const v = new DataView(t.buffer);
  const ifd = v.getUint32(4, true);
  v.setUint32(ifd + 2 + v.getUint16(ifd, true) * 12, ifd, true); // next directory: itself
  const img = await decodeTiff(t);
  assert.deepEqual(Array.from(img.data.subarray(4 * 200, 4 * 201)), [200, 200, 200, 255]);
});
