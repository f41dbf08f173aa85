/**
 * Runs scorers over the shift grid: for every cell, every image is shifted once
 * ({@link applyShiftCell}) and handed, in batches, to each scorer.
 *
 * @module
 */
import type { DomainCheck, PreprocessSpec } from "../../../model/core/mod.ts";
import { checkDomain, imageStats } from "../../../model/core/mod.ts";
import type { FloatRgbImage, RgbaImage } from "../../../model/core/mod.ts";
import { normalizeToTensor } from "../../../model/core/mod.ts";
import { sigmoid } from "../metrics/calibration.ts";
import type { ModelRuntime } from "../../../model/core/mod.ts";
import { applyShiftCell, type ShiftCell } from "./grid.ts";
import type { CellScores } from "./report.ts";

/** Anything that turns resized [0, 1] images into p(all), one per image. */
export type FloatScorer = (images: readonly FloatRgbImage[]) => number[] | Promise<number[]>;

/**
 * A {@link FloatScorer} for an ONNX model: the card's normalisation (NCHW), the model's logit,
 * then the card's temperature.
 *
 * @example
 * ```ts
 * import { loadModelFile, toFloatRgb } from "../../../model/core/mod.ts";
 * const model = await loadModelFile("tests/fixtures/models/tiny.int8.onnx", { backend: "node" });
 * const grey = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 4).fill(128) };
 * const [p] = await modelFloatScorer(model)([toFloatRgb(grey, model.card.preprocess)]);
 * if (!(p >= 0 && p <= 1)) throw new Error("a probability");
 * await model.close();
 * ```
 */
export function modelFloatScorer(model: Pick<ModelRuntime, "card" | "score">): FloatScorer {
  const { preprocess: spec, temperature } = model.card;
  const per = 3 * spec.size * spec.size;
  return async (images) => {
    if (images.length === 0) return [];
    const batch = new Float32Array(images.length * per);
    images.forEach((img, i) => {
      if (img.width !== spec.size || img.height !== spec.size) {
        throw new Error(
          `image is ${img.width}×${img.height}, the model needs ${spec.size}×${spec.size}; resize with the card's spec`,
        );
      }
      normalizeToTensor(img, spec, "NCHW", batch, i * per);
    });
    const { logits } = await model.score(batch, images.length);
    return Array.from(logits, (l) => sigmoid(l, temperature));
  };
}

/**
 * A {@link FloatScorer} of the input-domain check: 1 where `domain` flags the (resized, shifted)
 * image, else 0, as the service applies it. With a feature distance (`domain.features`) the
 * model runs on the images for their pooled features (a second run beside the model's scorer);
 * without one, only the statistic ranges are checked and the model is not run.
 *
 * @example
 * ```ts
 * import { loadModelFile, toFloatRgb } from "../../../model/core/mod.ts";
 * const model = await loadModelFile("tests/fixtures/models/tiny.int8.onnx", { backend: "node" });
 * const grey = toFloatRgb({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 4).fill(128) }, model.card.preprocess);
 * const flags = await domainFlagScorer(model, { ranges: { meanR: [0.6, 1] } })([grey]);
 * if (flags[0] !== 1) throw new Error("mean red 0.5 is outside [0.6, 1]");
 * await model.close();
 * ```
 */
export function domainFlagScorer(model: Pick<ModelRuntime, "card" | "score">, domain: DomainCheck): FloatScorer {
  const spec = model.card.preprocess;
  const per = 3 * spec.size * spec.size;
  const flag = (im: FloatRgbImage, features?: ArrayLike<number>) =>
    checkDomain(domain, imageStats(im), features).length > 0 ? 1 : 0;
  if (!domain.features) return (images) => images.map((im) => flag(im));
  return async (images) => {
    if (images.length === 0) return [];
    const batch = new Float32Array(images.length * per);
    images.forEach((img, i) => normalizeToTensor(img, spec, "NCHW", batch, i * per));
    const { features, featureDims } = await model.score(batch, images.length, { features: true });
    const dims = featureDims ?? 0;
    // no features output: checkDomain flags every image, saying why (the model lacks the output)
    return images.map((im, i) => flag(im, features && dims ? features.subarray(i * dims, (i + 1) * dims) : undefined));
  };
}

/** Options for {@link scoreGrid}. */
export interface GridOptions {
  /** Images per scorer call (default 32). */
  batchSize?: number;
  /** Called after each cell (progress). */
  onCell?: (cell: ShiftCell, done: number, total: number) => void;
}

/**
 * Scores every image under every cell with every scorer. Returns, per scorer name, one
 * {@link CellScores} per cell in grid order.
 *
 * @example
 * ```ts
 * import type { PreprocessSpec } from "../../../model/core/mod.ts";
 * import { SHIFT_GRID } from "./grid.ts";
 * const spec: PreprocessSpec = {
 *   size: 4,
 *   crop: "none",
 *   resize: "area",
 *   channelOrder: "RGB",
 *   alphaBackground: 0,
 *   normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] },
 * };
 * const grey = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(128) };
 * const byScorer = await scoreGrid([grey, grey], SHIFT_GRID.slice(0, 2), spec, { half: (imgs) => imgs.map(() => 0.5) });
 * // then: summarizeShift(labels, byScorer.half, { threshold: 0.5 }) (report.ts)
 * if (byScorer.half.length !== 2 || byScorer.half[1].scores.length !== 2) throw new Error("2 cells × 2 images");
 * ```
 */
export async function scoreGrid(
  images: readonly RgbaImage[],
  cells: readonly ShiftCell[],
  spec: PreprocessSpec,
  scorers: Record<string, FloatScorer>,
  opts: GridOptions = {},
): Promise<Record<string, CellScores[]>> {
  const batchSize = opts.batchSize ?? 32;
  const names = Object.keys(scorers);
  const out: Record<string, CellScores[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const [ci, cell] of cells.entries()) {
    const scores: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let start = 0; start < images.length; start += batchSize) {
      const shifted: FloatRgbImage[] = [];
      for (const img of images.slice(start, start + batchSize)) shifted.push(await applyShiftCell(img, cell, spec));
      for (const n of names) scores[n].push(...await scorers[n](shifted));
    }
    for (const n of names) out[n].push({ cell, scores: scores[n] });
    opts.onCell?.(cell, ci + 1, cells.length);
  }
  return out;
}
