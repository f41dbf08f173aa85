/**
 * One image through the whole model: decode → resize/normalise → run → score → domain check
 * (→ heatmap for /v1/explain), with per-stage timings. The domain check holds the resized image's
 * statistics, and the model's pooled features when the card has a feature check, against the card.
 * The answer is the API's prediction JSON (minus `requestId`, which the route adds). Decoding and resizing go through an
 * {@link ImageDecoder} (`../decode/`): the decode pool's workers in the Deno service, so a slow
 * or hostile image neither blocks the request thread nor outlives the request's budget; the
 * request thread where workers are unavailable. Uncompressed 24/32-bit BMPs take a fused
 * decode-and-resize path on the request thread (`bmp_fast.ts`, bit-identical result: its work is
 * one pass over the bytes, bounded by the body limit); the input hash is computed concurrently
 * (WebCrypto).
 *
 * @module
 */
import type { ModelOutputs, ModelRuntime } from "../../../model/core/mod.ts";
import type { FloatRgbImage, ImageFormat } from "../../../model/core/mod.ts";
import { imageStats, normalizeToTensor } from "../../../model/core/mod.ts";
import { sha256Hex } from "../../../model/core/mod.ts";
import { ApiError } from "../http/errors.ts";
import { type Answer, answer } from "../../../model/core/mod.ts";
import { camGridOnImage, heatmapDataUrl } from "../heatmap/heatmap.ts";
import { bmpToFloatRgb } from "./bmp_fast.ts";
import { type ImageDecoder, inThreadDecoder } from "../decode/job.ts";

/** The prediction for one image, as the API returns it: the core's answer plus where it came from. */
export interface Prediction extends Answer {
  model: { id: string; version: string; sha256: string };
  input: { format: ImageFormat; width: number; height: number; sha256: string };
  /**
   * Milliseconds per stage. For the fused BMP path, decoding and resizing are one pass, counted
   * in `preprocessMs` (`decodeMs` is 0).
   */
  timings: { decodeMs: number; preprocessMs: number; inferenceMs: number; totalMs: number };
  /** `/v1/explain` only: PNG data URL, input-sized CAM overlay. */
  heatmap?: string;
}

/** Limits and switches for {@link predictImage}. */
export interface PredictOptions {
  maxPixels: number;
  minSide: number;
  /** Also compute the heatmap (explain). */
  heatmap?: boolean;
  /** `performance.now()` when the request started, so `totalMs` covers reading the body too. */
  startedAt?: number;
  /**
   * Aborted when the request's time budget runs out: checked between stages, and a decode pool
   * terminates the worker still decoding for it.
   */
  signal?: AbortSignal;
  /** Decodes and resizes (default: on this thread, {@link inThreadDecoder}). */
  decoder?: ImageDecoder;
}

/**
 * Runs one uploaded image through the model. Throws `ImageDecodeError` (or `ApiError`) for bad
 * input; the caller maps those to 4xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 * const p = await predictImage(runtime, { bytes, format: "png" }, { maxPixels: 16e6, minSide: 16, heatmap: true });
 * assert.ok(["all", "normal", "review"].includes(p.decision));
 * assert.deepEqual([p.input.format, p.input.width, p.input.height], ["png", 450, 450]);
 * assert.ok(p.heatmap?.startsWith("data:image/png;base64,"));
 * await runtime.close();
 * ```
 */
/**
 * The start every upload shares: refuse an empty one (400 `empty_body`), note when decoding
 * starts, and hash the bytes concurrently (awaited by the caller once decoded; a rejection is
 * never unhandled if decoding fails first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { hashing } = startUpload(new TextEncoder().encode("abc"));
 * assert.equal(await hashing, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * assert.throws(() => startUpload(new Uint8Array(0)), /the image is empty/);
 * ```
 */
export function startUpload(bytes: Uint8Array): { tDecode: number; hashing: Promise<string> } {
  if (bytes.length === 0) {
    throw new ApiError(400, "empty_body", "the image is empty (0 bytes); attach the file's bytes");
  }
  const tDecode = performance.now();
  const hashing = sha256Hex(bytes);
  hashing.catch(() => undefined);
  return { tDecode, hashing };
}

export async function predictImage(
  runtime: ModelRuntime,
  image: { bytes: Uint8Array; format?: ImageFormat },
  options: PredictOptions,
): Promise<Prediction> {
  const t0 = options.startedAt ?? performance.now();
  const { tDecode, hashing } = startUpload(image.bytes);
  const card = runtime.card;
  const fast = image.format === undefined || image.format === "bmp"
    ? bmpToFloatRgb(image.bytes, card.preprocess, options)
    : undefined;
  let tPre = tDecode;
  let source: { format: ImageFormat; width: number; height: number };
  let resized: FloatRgbImage;
  if (fast) {
    source = { format: "bmp", width: fast.width, height: fast.height };
    resized = fast.resized;
  } else {
    const decoder = options.decoder ?? inThreadDecoder;
    const job = { format: image.format, maxPixels: options.maxPixels, minSide: options.minSide };
    const decoded = await decoder.decode(image.bytes, { ...job, preprocess: card.preprocess }, options.signal);
    source = { format: decoded.format, width: decoded.width, height: decoded.height };
    resized = decoded.resized;
    // decodeMs: waiting for a worker and decoding; preprocessMs: resizing (where it ran) onwards
    tPre = performance.now() - decoded.resizeMs;
  }
  const tensor = normalizeToTensor(resized, card.preprocess, "NCHW");
  // statistics only when the card has a domain check to hold them against
  const stats = card.domain ? imageStats(resized) : undefined;
  options.signal?.throwIfAborted();
  const tRun = performance.now();
  const { out, answered } = await runAndAnswer(runtime, tensor, stats, options.heatmap === true);
  const tDone = performance.now();
  // The hash (off the main thread) is only needed for the answer: never wait for it before running.
  const inputSha = await hashing;

  const prediction: Prediction = {
    ...answered,
    model: { id: card.id, version: card.version, sha256: card.sha256 },
    input: { ...source, sha256: inputSha },
    timings: { decodeMs: 0, preprocessMs: 0, inferenceMs: 0, totalMs: 0 },
  };
  if (options.heatmap) {
    options.signal?.throwIfAborted();
    if (!out.cam) {
      throw new ApiError(
        501,
        "explain_unavailable",
        "this model has no class-activation output, so it cannot explain; use /v1/predict or deploy a model with a cam head",
      );
    }
    const grid = camGridOnImage(card.io.camGrid, card.preprocess, source.width, source.height, out.cam, resized.view);
    prediction.heatmap = heatmapDataUrl(out.cam, source.width, source.height, grid);
  }
  const round = (ms: number) => Math.round(ms * 100) / 100;
  prediction.timings = {
    decodeMs: round(tPre - tDecode),
    preprocessMs: round(tRun - tPre),
    inferenceMs: round(tDone - tRun),
    totalMs: round(performance.now() - t0),
  };
  return prediction;
}

/**
 * The model run and the card's answer for one preprocessed NCHW tensor: the pooled features are
 * asked for only when the card has a feature distance to hold them against, and the answer is
 * the core's `answer` with the image's statistics (`undefined` where there is no image, e.g. an
 * OIP FP32 tensor: a card with sanity ranges then answers `review`). `predictImage` and the OIP
 * tensor route share it, so both answer by the same rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const { out, answered } = await runAndAnswer(runtime, new Float32Array(3 * 32 * 32), undefined, true);
 * assert.ok(out.cam !== undefined && answered.scores.all >= 0 && answered.scores.all <= 1);
 * await runtime.close();
 * ```
 */
export async function runAndAnswer(
  runtime: ModelRuntime,
  tensor: Float32Array,
  stats: Record<string, number> | undefined,
  cam: boolean,
): Promise<{ out: ModelOutputs; answered: Answer }> {
  const card = runtime.card;
  const out = await runtime.run(tensor, card.domain?.features ? { cam, features: true } : { cam });
  return { out, answered: answer(card, out.logit, stats, out.subtypeLogits, out.features) };
}
