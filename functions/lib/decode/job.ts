/**
 * The part of a prediction whose work depends on what the client uploaded: decoding the bytes and
 * resizing the pixels to the model's input. The same function runs on the request thread
 * ({@link inThreadDecoder}) and inside the decode workers (`decode_worker.ts`, driven by
 * `pool.ts`), so both give the same floats. A job with `cells` (`/v1/cells`) locates the cells
 * and resizes each one's crop instead (`../cells/extract.ts`): that work, like decoding, grows
 * with what the client uploaded.
 *
 * @module
 */
import type { FloatRgbImage, ImageFormat, PreprocessSpec } from "../../../model/core/mod.ts";
import { decodeImage, toFloatRgb } from "../../../model/core/mod.ts";
import { type CellsJob, extractCells, type FoundCells } from "../cells/extract.ts";

/** What to decode an upload with: its format, the size limits and the model's preprocessing. */
export interface DecodeJob {
  /** Expected format (from the request); default: sniffed from the bytes. */
  format?: ImageFormat;
  /** Largest width×height accepted (422 `too_many_pixels` beyond it, from the header). */
  maxPixels: number;
  /** Smallest side accepted. */
  minSide: number;
  /** The model card's preprocessing (crop, resize to `size`×`size`, alpha background). */
  preprocess: PreprocessSpec;
  /**
   * Locate the cells and resize each one's crop by `preprocess` (the cell model's) instead of
   * resizing the whole image: the answer's `cells` holds them and `resized` is empty (0×0).
   */
  cells?: CellsJob;
}

/** A decoded upload, already resized: the source's format and size and the model-sized image. */
export interface DecodedInput {
  format: ImageFormat;
  /** Source width in pixels. */
  width: number;
  /** Source height in pixels. */
  height: number;
  /** The `preprocess.size`² float RGB image (`toFloatRgb`); 0×0 for a `cells` job. */
  resized: FloatRgbImage;
  /** Milliseconds spent decoding (where it ran). */
  decodeMs: number;
  /** Milliseconds spent resizing (where it ran); for a `cells` job, locating, cropping and resizing the cells. */
  resizeMs: number;
  /** A `cells` job's cells. */
  cells?: FoundCells;
}

/**
 * Turns uploaded bytes into the model-sized image: somewhere that may be another thread. Every
 * implementation rejects with the core's `ImageDecodeError` (same code and message) for bad input
 * and with `signal.reason` once `signal` is aborted.
 */
export interface ImageDecoder {
  /** Decodes and resizes `bytes`; the caller keeps `bytes` (implementations copy what they send away). */
  decode(bytes: Uint8Array, job: DecodeJob, signal?: AbortSignal): Promise<DecodedInput>;
}

/**
 * Decodes and resizes on the calling thread: `decodeImage` then `toFloatRgb`, with their timings.
 * What the decode workers run for each job, and what {@link inThreadDecoder} runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImageDecodeError, type PreprocessSpec } from "../../../model/core/mod.ts";
 * const preprocess: PreprocessSpec = { size: 8, crop: "center-square", resize: "area", channelOrder: "RGB",
 *   alphaBackground: 255, normalization: { mode: "per-image", minStd: 0.01 } };
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 * const out = await decodeAndResize(bytes, { maxPixels: 1e6, minSide: 16, preprocess });
 * assert.deepEqual([out.format, out.width, out.height, out.resized.data.length], ["png", 450, 450, 8 * 8 * 3]);
 * // a cells job (`/v1/cells`): the C-NMC cell located, and its crop at the cell model's size
 * const cells = await decodeAndResize(bytes, { maxPixels: 1e6, minSide: 16, preprocess, cells: { maxCells: 32 } });
 * assert.deepEqual([cells.resized.width, cells.cells?.boxes.length, cells.cells?.crops[0].width], [0, 1, 8]);
 * await assert.rejects(
 *   decodeAndResize(bytes, { maxPixels: 1000, minSide: 16, preprocess }),
 *   (e) => e instanceof ImageDecodeError && e.code === "too_many_pixels",
 * );
 * ```
 */
export async function decodeAndResize(
  bytes: Uint8Array,
  job: DecodeJob,
  signal?: AbortSignal,
): Promise<DecodedInput> {
  const t0 = performance.now();
  const img = await decodeImage(bytes, { format: job.format, maxPixels: job.maxPixels, minSide: job.minSide });
  signal?.throwIfAborted();
  const t1 = performance.now();
  if (job.cells) {
    const cells = extractCells(img, job.preprocess, job.cells, signal);
    const resizeMs = performance.now() - t1;
    const empty = { width: 0, height: 0, data: new Float32Array(0) };
    return {
      format: img.format,
      width: img.width,
      height: img.height,
      resized: empty,
      decodeMs: t1 - t0,
      resizeMs,
      cells,
    };
  }
  const resized = toFloatRgb(img, job.preprocess);
  return {
    format: img.format,
    width: img.width,
    height: img.height,
    resized,
    decodeMs: t1 - t0,
    resizeMs: performance.now() - t1,
  };
}

/**
 * Decodes on the request thread, as the service did before the decode pool, and as it still does
 * where workers cannot be created (Cloudflare Workers, Node) or with `DECODE_WORKERS=0`. The
 * signal is checked between decoding and resizing; a decode that is running cannot be stopped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PreprocessSpec } from "../../../model/core/mod.ts";
 * const preprocess: PreprocessSpec = { size: 4, crop: "none", resize: "area", channelOrder: "RGB",
 *   alphaBackground: 255, normalization: { mode: "per-image", minStd: 0.01 } };
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp");
 * const out = await inThreadDecoder.decode(bytes, { maxPixels: 1e6, minSide: 16, preprocess });
 * assert.equal(out.resized.width, 4);
 * const aborted = AbortSignal.abort(new Error("budget spent"));
 * await assert.rejects(inThreadDecoder.decode(bytes, { maxPixels: 1e6, minSide: 16, preprocess }, aborted), /budget spent/);
 * ```
 */
export const inThreadDecoder: ImageDecoder = {
  decode(bytes, job, signal) {
    try {
      signal?.throwIfAborted();
    } catch (e) {
      return Promise.reject(e);
    }
    return decodeAndResize(bytes, job, signal);
  },
};
