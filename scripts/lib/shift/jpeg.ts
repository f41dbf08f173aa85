/**
 * JPEG re-encoding for the acquisition-shift grid: encode decoded RGBA pixels at a quality with
 * imagescript's wasm codec (`imagescript/wasm/any/jpeg.wasm`, its `encode` export, called the way
 * imagescript's own `encodeJPEG` glue calls it), then decode them again with the service's
 * {@link decodeImage}, so the evaluation sees exactly what the service would see.
 *
 * One wasm instance is reused; it is dropped (and a fresh one made on the next call) after a
 * failure or once its memory passes {@link JPEG_ENCODER_MEMORY_LIMIT}.
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";
import { getWasmModule } from "../../../model/core/mod.ts";
import { decodeImage } from "../../../model/core/mod.ts";

/** Bytes of wasm memory above which the encoder instance is discarded after an encode. */
export const JPEG_ENCODER_MEMORY_LIMIT = 64 * 1024 * 1024;

interface JpegEncoderExports {
  memory: WebAssembly.Memory;
  wlen(): number;
  walloc(size: number): number;
  wfree(ptr: number, size: number): void;
  /** Takes ownership of the RGBA input buffer; returns a pointer to the JPEG bytes (length: wlen()). */
  encode(ptr: number, width: number, height: number, quality: number): number;
}

let encoder: JpegEncoderExports | null = null;

async function encoderOnce(): Promise<JpegEncoderExports> {
  if (!encoder) {
    const mod = await getWasmModule("jpeg");
    encoder = new WebAssembly.Instance(mod, {}).exports as unknown as JpegEncoderExports;
  }
  return encoder;
}

/**
 * Encodes 8-bit RGBA pixels as a baseline JPEG at `quality` (integer 1–100). Alpha is ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(200) };
 * const bytes = await encodeJpeg(img, 75);
 * assert.deepEqual([bytes[0], bytes[1]], [0xff, 0xd8]); // JPEG start of image
 * ```
 */
export async function encodeJpeg(img: RgbaImage, quality: number): Promise<Uint8Array> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`encodeJpeg: quality must be an integer from 1 to 100, got ${quality}`);
  }
  const n = img.width * img.height * 4;
  if (!(img.width > 0 && img.height > 0) || img.data.length !== n) {
    throw new RangeError(
      `encodeJpeg: expected ${img.width}×${img.height} RGBA (${n} bytes), got ${img.data.length} bytes`,
    );
  }
  const w = await encoderOnce();
  try {
    const input = w.walloc(n);
    new Uint8Array(w.memory.buffer, input, n).set(img.data);
    const ptr = w.encode(input, img.width, img.height, quality);
    const len = w.wlen();
    const out = new Uint8Array(w.memory.buffer, ptr, len).slice();
    w.wfree(ptr, len);
    if (len < 4 || out[0] !== 0xff || out[1] !== 0xd8) throw new Error("the encoder returned no JPEG data");
    if (w.memory.buffer.byteLength > JPEG_ENCODER_MEMORY_LIMIT) encoder = null;
    return out;
  } catch (err) {
    encoder = null;
    throw new Error(
      `encodeJpeg: ${(err as Error).message}; check the image size and that node_modules/imagescript is installed`,
    );
  }
}

/**
 * JPEG round trip: encode at `quality`, decode again with the service's decoder. The result has
 * the same size; alpha comes back opaque.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage } from "../../../model/core/mod.ts";
 * const decoded = await decodeImage(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"));
 * const shifted = await jpegRoundTrip(decoded, 50); // what a quality-50 re-save does to the pixels
 * assert.deepEqual([shifted.width, shifted.height], [decoded.width, decoded.height]);
 * assert.notDeepEqual(shifted.data, decoded.data); // lossy
 * ```
 */
export async function jpegRoundTrip(img: RgbaImage, quality: number): Promise<RgbaImage> {
  const decoded = await decodeImage(await encodeJpeg(img, quality));
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}
