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
import { type Answer, answer } from "./answer.ts";

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
  const n = resized.length;
  if (n === 0) return [];
  const per = 3 * card.preprocess.size * card.preprocess.size;
  const batch = new Float32Array(n * per);
  resized.forEach((img, i) => normalizeToTensor(img, card.preprocess, "NCHW", batch, i * per));
  const out = await runtime.score(batch, n, { features: card.domain?.features !== undefined });
  const k = card.subtypes?.length ?? 0, dims = out.featureDims ?? 0;
  return resized.map((img, i) =>
    answer(
      card,
      out.logits[i],
      card.domain ? imageStats(img) : undefined,
      out.subtypeLogits && k > 0 ? out.subtypeLogits.subarray(i * k, (i + 1) * k) : undefined,
      out.features && dims > 0 ? out.features.subarray(i * dims, (i + 1) * dims) : undefined,
    )
  );
}
