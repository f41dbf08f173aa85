/**
 * Many images answered as the service answers one: each resized image normalised by the card,
 * one batched model run (`runtime.score`, in batches of the runtime's `maxBatch`), then
 * {@link answer} per image with its statistics, subtype logits and pooled features. Used by
 * `/v1/cells` for a field's crops and by the evaluations that must measure what the service says
 * (the shift suite, the cell path).
 *
 * @module
 */
import type { ModelRuntime } from "../onnx/runtime.ts";
import { imageStats, normalizeToTensor } from "../preprocess/preprocess.ts";
import type { FloatRgbImage } from "../preprocess/types.ts";
import type { ModelCard } from "../card/card.ts";
import { type Answer, answerWithReasons } from "./answer.ts";
import { checkDomain } from "./domain.ts";

/** One image's raw result, before the operating point is applied. */
export interface ResizedScore {
  /** The `all` logit, before temperature. */
  logit: number;
  /** Why the card's input-domain check flags the image (empty: in domain). */
  domainReasons: string[];
  /** Subtype logits in `card.subtypes` order, when the model has that head. */
  subtypeLogits?: Float32Array;
}

/**
 * The raw logits of `resized` (images already cropped and resized by `toFloatRgb` with the card's
 * `preprocess`) and the card's domain verdict on each, in order: one batched model run, as the
 * service runs it. {@link answerResized} applies the card's operating point to them; a
 * recalibration refits that point from them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, loadModelFile, toFloatRgb } from "../mod.ts";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const img = await decodeImage(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"));
 * const [s] = await scoreResized(runtime, [toFloatRgb(img, runtime.card.preprocess)]);
 * assert.ok(Number.isFinite(s.logit));
 * assert.ok(Array.isArray(s.domainReasons));
 * await runtime.close();
 * ```
 */
export async function scoreResized(
  runtime: ModelRuntime,
  resized: readonly FloatRgbImage[],
  card: ModelCard = runtime.card,
): Promise<ResizedScore[]> {
  const n = resized.length;
  if (n === 0) return [];
  const per = 3 * card.preprocess.size * card.preprocess.size;
  const batch = new Float32Array(n * per);
  resized.forEach((img, i) => normalizeToTensor(img, card.preprocess, "NCHW", batch, i * per));
  const out = await runtime.score(batch, n, { features: card.domain?.features !== undefined });
  const k = card.subtypes?.length ?? 0, dims = out.featureDims ?? 0;
  return resized.map((img, i) => {
    const features = out.features && dims > 0 ? out.features.subarray(i * dims, (i + 1) * dims) : undefined;
    const subtypeLogits = out.subtypeLogits && k > 0 ? out.subtypeLogits.subarray(i * k, (i + 1) * k) : undefined;
    return {
      logit: out.logits[i],
      domainReasons: card.domain ? checkDomain(card.domain, imageStats(img), features) : [],
      ...(subtypeLogits ? { subtypeLogits } : {}),
    };
  });
}

/**
 * The answers of `resized` (images already cropped and resized by `toFloatRgb` with the card's
 * `preprocess`), in order. `card` is the runtime's own unless an evaluation applies another
 * operating point or domain check to the same network (e.g. a run's `domain.json`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, loadModelFile, toFloatRgb } from "../mod.ts";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const img = await decodeImage(await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"));
 * const resized = toFloatRgb(img, runtime.card.preprocess);
 * const [a, b] = await answerResized(runtime, [resized, resized]);
 * assert.deepEqual(a, b);
 * assert.deepEqual(await answerResized(runtime, []), []);
 * await runtime.close();
 * ```
 */
export async function answerResized(
  runtime: ModelRuntime,
  resized: readonly FloatRgbImage[],
  card: ModelCard = runtime.card,
): Promise<Answer[]> {
  const scored = await scoreResized(runtime, resized, card);
  return scored.map((s) => answerWithReasons(card, s.logit, s.domainReasons, s.subtypeLogits));
}
