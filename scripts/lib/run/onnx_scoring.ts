/**
 * Scoring a manifest's images with an exported ONNX model through the core's runner, for the
 * export and quantize steps: preprocessed batches, logits per image, the largest difference
 * between two runtimes, and prediction rows in the trainer's format.
 *
 * @module
 */
import {
  createSession,
  type ModelIO,
  preprocess,
  type PreprocessSpec,
  type SessionOptions,
} from "../../../model/core/mod.ts";
import type { PredictionRow } from "../metrics/predictions.ts";
import type { LoadedImage } from "../shift/load.ts";

/** Images per `session.run`. */
export const BATCH = 32;

/** One batch of preprocessed images. */
export interface ImageBatch {
  /** `n` images, flattened in `layout`. */
  data: Float32Array;
  n: number;
  /** Index of the batch's first image. */
  start: number;
}

/**
 * `images` preprocessed by `spec` (as the service does), in batches of {@link BATCH}.
 *
 * @example
 * ```ts
 * const image = {
 *   item: { path: "all/a.png", label: "all", group: "g1", split: "test", sha256: "", view: "original" },
 *   rgba: { width: 40, height: 40, data: new Uint8Array(40 * 40 * 4).map((_, i) => (i * 7) % 256) },
 * } as const;
 * const spec = { size: 16, crop: "none", resize: "area", normalization: { mode: "per-image", minStd: 0.01 },
 *   channelOrder: "RGB", alphaBackground: 0 } as const;
 * const [first] = [...batches(Array(40).fill(image), spec, "NCHW")];
 * if (first.n !== BATCH || first.data.length !== BATCH * 3 * 16 * 16) throw new Error("32 images a batch");
 * ```
 */
export function* batches(
  images: readonly LoadedImage[],
  spec: PreprocessSpec,
  layout: "NCHW" | "NHWC",
): Generator<ImageBatch> {
  const per = 3 * spec.size * spec.size;
  for (let start = 0; start < images.length; start += BATCH) {
    const chunk = images.slice(start, start + BATCH);
    const data = new Float32Array(chunk.length * per);
    chunk.forEach((im, k) => data.set(preprocess(im.rgba, spec, layout), k * per));
    yield { data, n: chunk.length, start };
  }
}

/** Logits of a model over images. */
export interface ImageLogits {
  /** The `all` logit per image (before temperature). */
  logits: number[];
  /** Subtype logits per image, when the model has that head (else empty). */
  subtypeLogits: number[][];
}

/**
 * Logits of `images` from an ONNX model; by default on onnxruntime-web, the service's runtime.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * const image = {
 *   item: { path: "all/a.png", label: "all", group: "g1", split: "test", sha256: "", view: "original" },
 *   rgba: { width: 40, height: 40, data: new Uint8Array(40 * 40 * 4).map((_, i) => (i * 7) % 256) },
 * } as const;
 * const card = JSON.parse(await readFile("tests/fixtures/models/tiny.int8.json", "utf8"));
 * const bytes = new Uint8Array(await readFile("tests/fixtures/models/tiny.int8.onnx"));
 * const { logits, subtypeLogits } = await onnxLogits(bytes, [image, image], card.preprocess, card.io);
 * if (logits.length !== 2 || subtypeLogits[0].length !== 4) throw new Error("a logit and 4 subtype logits per image");
 * ```
 */
export async function onnxLogits(
  bytes: Uint8Array,
  images: readonly LoadedImage[],
  spec: PreprocessSpec,
  io: ModelIO,
  options: SessionOptions = { backend: "web" },
): Promise<ImageLogits> {
  const session = await createSession(bytes, options);
  const logits: number[] = [];
  const subtypeLogits: number[][] = [];
  const fetches = io.subtypeLogits ? [io.logit, io.subtypeLogits] : [io.logit];
  try {
    for (const b of batches(images, spec, "NCHW")) {
      const out = await session.run({ [io.input]: { dims: [b.n, 3, spec.size, spec.size], data: b.data } }, fetches);
      const l = out[io.logit].data;
      for (let i = 0; i < b.n; i++) logits.push(l[i]);
      if (io.subtypeLogits) {
        const s = out[io.subtypeLogits].data;
        const k = s.length / b.n;
        for (let i = 0; i < b.n; i++) subtypeLogits.push(Array.from(s.subarray(i * k, (i + 1) * k)));
      }
    }
  } finally {
    await session.close();
  }
  return { logits, subtypeLogits };
}

/**
 * Largest |logit difference| between a model run with `options` and `reference` logits of the
 * same images (the quantize step compares native onnxruntime-node with onnxruntime-web:
 * `{ backend: "node", optimization: "all", allowNativeInt8Fusion: true }`).
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * const image = {
 *   item: { path: "all/a.png", label: "all", group: "g1", split: "test", sha256: "", view: "original" },
 *   rgba: { width: 40, height: 40, data: new Uint8Array(40 * 40 * 4).map((_, i) => (i * 7) % 256) },
 * } as const;
 * const card = JSON.parse(await readFile("tests/fixtures/models/tiny.float.json", "utf8"));
 * const bytes = new Uint8Array(await readFile("tests/fixtures/models/tiny.float.onnx"));
 * const web = await onnxLogits(bytes, [image], card.preprocess, card.io);
 * const diff = await maxLogitDiff(bytes, [image], card.preprocess, card.io, web.logits, { backend: "web" });
 * if (diff !== 0) throw new Error("the same runtime twice gives the same logits");
 * ```
 */
export async function maxLogitDiff(
  bytes: Uint8Array,
  images: readonly LoadedImage[],
  spec: PreprocessSpec,
  io: ModelIO,
  reference: readonly number[],
  options: SessionOptions,
): Promise<number> {
  const { logits } = await onnxLogits(bytes, images, spec, { input: io.input, logit: io.logit }, options);
  return logits.reduce((max, v, i) => Math.max(max, Math.abs(v - reference[i])), 0);
}

/**
 * Prediction rows (the trainer's `predictions.json` format, with split groups) of val/test images.
 *
 * @example
 * ```ts
 * const image = {
 *   item: { path: "all/a.png", label: "all", group: "g1", split: "test", sha256: "", view: "original" },
 *   rgba: { width: 40, height: 40, data: new Uint8Array(40 * 40 * 4).map((_, i) => (i * 7) % 256) },
 * } as const;
 * const [row] = predictionRows([image], [2.5]);
 * if (row.group !== "g1" || row.logit !== 2.5) throw new Error("one row per image, with its group");
 * ```
 */
export function predictionRows(images: readonly LoadedImage[], logits: readonly number[]): PredictionRow[] {
  return images.map((im, i) => ({
    path: im.item.path,
    split: im.item.split as "val" | "test",
    label: im.item.label,
    ...(im.item.subtype ? { subtype: im.item.subtype } : {}),
    group: im.item.group,
    logit: logits[i],
  }));
}
