/**
 * JPEG decoder: imagescript's Rust/wasm decoder (`imagescript/wasm/any/jpeg.wasm`, baseline and
 * progressive, grey and YCbCr) behind a small glue of our own.
 *
 * One wasm instance is reused across decodes (its allocator frees each decode's buffers, so memory
 * stays at the high-water mark). It is dropped, and a fresh one made on the next call, after any
 * failure (a trapped instance may hold a broken heap) or when its memory has grown past
 * {@link JPEG_MEMORY_LIMIT} (wasm memory never shrinks; dropping the instance lets GC reclaim it).
 *
 * @module
 */
import type { RgbaImage } from "../preprocess/types.ts";
import { getWasmModule } from "../wasm/assets.ts";
import { corrupt, ImageDecodeError, unsupported } from "./errors.ts";
import { type JpegHeader, readJpegHeader, readJpegStructure } from "./header.ts";
import { checkJpegScans } from "./jpeg_scan.ts";

/** Bytes of wasm memory above which the instance is discarded after a decode. */
export const JPEG_MEMORY_LIMIT = 64 * 1024 * 1024;

interface JpegExports {
  memory: WebAssembly.Memory;
  wlen(): number;
  walloc(size: number): number;
  decode(ptr: number, len: number, width: number, height: number): number;
  decode_width(ptr: number): number;
  decode_height(ptr: number): number;
  decode_format(ptr: number): number;
  decode_buffer(ptr: number): number;
  decode_free(ptr: number): void;
}

let instance: JpegExports | null = null;

async function exportsOnce(): Promise<JpegExports> {
  if (!instance) {
    const mod = await getWasmModule("jpeg");
    instance = new WebAssembly.Instance(mod, {}).exports as unknown as JpegExports;
  }
  return instance;
}

/** Current size of the shared decoder's wasm memory in bytes (0 when none is alive); for tests. */
export function jpegDecoderMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}

/**
 * Decodes a baseline or progressive JPEG (grey or colour) to 8-bit RGBA.
 * CMYK/YCCK (4-component) JPEGs are refused with `unsupported_image`, damaged files with
 * `corrupt_image`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = await decodeJpeg(await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
 * assert.deepEqual([img.width, img.height], [224, 224]);
 * ```
 */
export async function decodeJpeg(bytes: Uint8Array): Promise<RgbaImage> {
  const header = readJpegHeader(bytes);
  if (header.components === 4) {
    unsupported(`jpeg: CMYK/YCCK JPEGs are not supported; convert the image to RGB (sRGB) first`);
  }
  if (header.components !== 1 && header.components !== 3) {
    unsupported(`jpeg: ${header.components}-component JPEGs are not supported; send an RGB or greyscale JPEG`);
  }
  if (header.precision !== 8) unsupported(`jpeg: ${header.precision}-bit JPEGs are not supported; send an 8-bit JPEG`);
  if (header.sof >= 9) unsupported(`jpeg: arithmetic-coded JPEGs are not supported; re-save with Huffman coding`);
  if (bytes.length < minScanBytes(header)) {
    // the decoder would pad the missing data and still spend the whole frame's time and memory
    corrupt(
      `jpeg: ${bytes.length} bytes cannot hold a ${header.width}×${header.height} image (truncated, or the size in the header is wrong); send the original JPEG`,
    );
  }
  // scans: how many passes they make over the image (too_much_work), and whether their data holds
  // every block the header declares (corrupt_image): checked here because the decoder cannot be stopped
  checkJpegScans(bytes, readJpegStructure(bytes));

  const w = await exportsOnce();
  let pixels: Uint8Array, width: number, height: number, format: number;
  try {
    const input = w.walloc(bytes.length);
    new Uint8Array(w.memory.buffer, input, bytes.length).set(bytes);
    const ptr = w.decode(input, bytes.length, 0, 0); // takes ownership of `input`
    if (ptr === 0 || ptr === 1) {
      instance = null;
      return corrupt(`jpeg: the decoder rejected the data (damaged or truncated file); send the original JPEG`);
    }
    width = w.decode_width(ptr);
    height = w.decode_height(ptr);
    format = w.decode_format(ptr);
    const buf = w.decode_buffer(ptr);
    const len = w.wlen(); // length of the buffer decode_buffer just returned
    pixels = new Uint8Array(w.memory.buffer, buf, len).slice();
    w.decode_free(ptr);
  } catch (e) {
    instance = null;
    if (e instanceof ImageDecodeError) throw e;
    return corrupt(`jpeg: decoding failed (${(e as Error).message}); the file is damaged, send the original JPEG`);
  }
  if (w.memory.buffer.byteLength > JPEG_MEMORY_LIMIT) instance = null;

  if (width !== header.width || height !== header.height) {
    corrupt(
      `jpeg: decoded ${width}×${height} but the header says ${header.width}×${header.height}; send the original JPEG`,
    );
  }
  const n = width * height;
  const channels = format === 0 ? 1 : format === 1 ? 3 : 0;
  if (channels === 0) {
    unsupported(`jpeg: decoder returned pixel format ${format} (CMYK); convert the image to RGB first`);
  }
  if (pixels.length < n * channels) corrupt(`jpeg: decoder returned too few pixels; send the original JPEG`);
  const out = new Uint8Array(n * 4);
  if (channels === 3) {
    for (let i = 0, s = 0, d = 0; i < n; i++, s += 3, d += 4) {
      out[d] = pixels[s], out[d + 1] = pixels[s + 1], out[d + 2] = pixels[s + 2], out[d + 3] = 255;
    }
  } else {
    for (let i = 0, d = 0; i < n; i++, d += 4) {
      const v = pixels[i];
      out[d] = v, out[d + 1] = v, out[d + 2] = v, out[d + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/**
 * Fewest bytes the Huffman-coded data of a frame can take: at least one bit per 8×8 block of every
 * component (a DC code; progressive AC scans may skip blocks with end-of-band runs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   minScanBytes({ width: 64, height: 64, sof: 0, precision: 8, components: 1, sampling: [{ h: 1, v: 1 }] }),
 *   8,
 * );
 * ```
 */
export function minScanBytes(header: JpegHeader): number {
  const valid = header.sampling.filter((s) => s.h >= 1 && s.h <= 4 && s.v >= 1 && s.v <= 4);
  if (valid.length === 0) return 0;
  const hMax = Math.max(...valid.map((s) => s.h)), vMax = Math.max(...valid.map((s) => s.v));
  let blocks = 0;
  for (const s of valid) {
    blocks += Math.ceil(Math.ceil((header.width * s.h) / hMax) / 8) *
      Math.ceil(Math.ceil((header.height * s.v) / vMax) / 8);
  }
  return Math.floor(blocks / 8);
}
