/**
 * One image through the whole model: decode → resize/normalise → run → score → domain check
 * (→ heatmap for /v1/explain), with per-stage timings. The answer is the API's prediction JSON
 * (minus `requestId`, which the route adds).
 *
 * @module
 */
import type { Decision, Label } from "../model/card.ts";
import type { ModelRuntime } from "../model/runtime.ts";
import type { ImageFormat } from "../preprocess/types.ts";
import { decodeImage } from "../image/decode.ts";
import { imageStats, normalizeToTensor, toFloatRgb } from "../preprocess/preprocess.ts";
import { sha256Hex } from "../util/sha256.ts";
import { ApiError } from "../http/errors.ts";
import { score } from "./scores.ts";
import { checkDomain } from "./domain.ts";
import { heatmapDataUrl } from "../heatmap/heatmap.ts";

/** The prediction for one image, as the API returns it. */
export interface Prediction {
  label: Label;
  scores: { all: number; normal: number };
  decision: Decision;
  /** Why the decision is `review` for reasons other than the score (out-of-domain input). */
  reasons?: string[];
  subtype?: Record<string, number>;
  model: { id: string; version: string; sha256: string };
  input: { format: ImageFormat; width: number; height: number; sha256: string };
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
  /** Aborted when the request's time budget runs out: checked between stages. */
  signal?: AbortSignal;
}

/**
 * Runs one uploaded image through the model. Throws `ImageDecodeError` (or `ApiError`) for bad
 * input; the caller maps those to 4xx.
 *
 * @example
 * ```ts
 * const p = await predictImage(runtime, { bytes, format: "png" }, { maxPixels: 16e6, minSide: 16 });
 * p.decision; // "all" | "normal" | "review"
 * ```
 */
export async function predictImage(
  runtime: ModelRuntime,
  image: { bytes: Uint8Array; format?: ImageFormat },
  options: PredictOptions,
): Promise<Prediction> {
  const t0 = options.startedAt ?? performance.now();
  if (image.bytes.length === 0) {
    throw new ApiError(400, "empty_body", "the image is empty (0 bytes); attach the file's bytes");
  }
  const card = runtime.card;
  const tDecode = performance.now();
  const [img, inputSha] = await Promise.all([
    decodeImage(image.bytes, { format: image.format, maxPixels: options.maxPixels, minSide: options.minSide }),
    sha256Hex(image.bytes),
  ]);
  options.signal?.throwIfAborted();
  const tPre = performance.now();
  const resized = toFloatRgb(img, card.preprocess);
  const tensor = normalizeToTensor(resized, card.preprocess, "NCHW");
  const reasons = checkDomain(card.domain, imageStats(resized));
  options.signal?.throwIfAborted();
  const tRun = performance.now();
  const out = await runtime.run(tensor, { cam: options.heatmap === true });
  const tDone = performance.now();
  const scored = score(card, out.logit, out.subtypeLogits);

  const prediction: Prediction = {
    label: scored.label,
    scores: scored.scores,
    decision: reasons.length > 0 ? "review" : scored.decision,
    ...(reasons.length > 0 ? { reasons } : {}),
    ...(scored.subtype ? { subtype: scored.subtype } : {}),
    model: { id: card.id, version: card.version, sha256: card.sha256 },
    input: { format: img.format, width: img.width, height: img.height, sha256: inputSha },
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
    prediction.heatmap = heatmapDataUrl(out.cam, img.width, img.height);
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
