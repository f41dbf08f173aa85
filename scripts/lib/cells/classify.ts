/**
 * Answering images with a model exactly as the service does (the card's crop, resize and
 * normalisation → ONNX → temperature, threshold, review band and input-domain check, pooled
 * features included when the card checks them), in batches: the cell model on crops, the field
 * model on whole fields.
 *
 * @module
 */
import {
  type Answer,
  answerResized,
  type ModelCard,
  type ModelRuntime,
  type RgbaImage,
  toFloatRgb,
} from "../../../model/core/mod.ts";

/** One image's answer, with whether the domain check flagged it. */
export interface AnsweredBy extends Answer {
  outOfDomain: boolean;
}

/** Images per `score` call. */
const BATCH = 64;

/**
 * The service's answer for every image (in order). `card` is the runtime's card unless another
 * domain check is to be applied (e.g. a run's `domain.json`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, loadModelFile } from "../../../model/core/mod.ts";
 * const model = await loadModelFile("tests/fixtures/models/tiny.int8.onnx", { backend: "node" });
 * const img = await decodeImage(await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
 * const [a, b] = await answerImages(model, model.card, [img, img]);
 * assert.equal(a.scores.all, b.scores.all); // the same image, the same answer
 * assert.ok(["all", "normal", "review"].includes(a.decision) && a.outOfDomain === false); // no domain check
 * await model.close();
 * ```
 */
export async function answerImages(
  model: ModelRuntime,
  card: ModelCard,
  images: readonly RgbaImage[],
): Promise<AnsweredBy[]> {
  const out: AnsweredBy[] = [];
  for (let start = 0; start < images.length; start += BATCH) {
    const resized = images.slice(start, start + BATCH).map((img) => toFloatRgb(img, card.preprocess));
    for (const a of await answerResized(model, resized, card)) {
      out.push({ ...a, outOfDomain: (a.reasons ?? []).some((r) => r.startsWith("out_of_domain")) });
    }
  }
  return out;
}
