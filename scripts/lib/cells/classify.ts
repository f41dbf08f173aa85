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
  answer,
  imageStats,
  type ModelCard,
  type ModelRuntime,
  normalizeToTensor,
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
  const spec = card.preprocess;
  const per = 3 * spec.size * spec.size;
  const wantFeatures = !!card.domain?.features;
  const nSub = card.subtypes?.length ?? 0;
  const out: AnsweredBy[] = [];
  for (let start = 0; start < images.length; start += BATCH) {
    const chunk = images.slice(start, start + BATCH);
    const batch = new Float32Array(chunk.length * per);
    const stats = chunk.map((img, k) => {
      const resized = toFloatRgb(img, spec);
      normalizeToTensor(resized, spec, "NCHW", batch, k * per);
      return imageStats(resized);
    });
    const res = await model.score(batch, chunk.length, { features: wantFeatures });
    for (let k = 0; k < chunk.length; k++) {
      const sub = res.subtypeLogits && nSub ? res.subtypeLogits.subarray(k * nSub, (k + 1) * nSub) : undefined;
      const dims = res.featureDims ?? 0;
      const feats = res.features && dims ? res.features.subarray(k * dims, (k + 1) * dims) : undefined;
      const a = answer(card, res.logits[k], stats[k], sub, feats);
      out.push({ ...a, outOfDomain: (a.reasons ?? []).some((r) => r.startsWith("out_of_domain")) });
    }
  }
  return out;
}
