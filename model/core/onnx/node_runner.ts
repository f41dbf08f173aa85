/**
 * Offline ONNX scoring with onnxruntime-node (native CPU, much faster than the service's wasm
 * runtime) for evaluations over many images. The model card is read from beside the model
 * (`x.onnx` → `x.json`), so the input size, names and calibration come from the same place the
 * service takes them.
 *
 * @module
 */
import { cardPathFor } from "../card/default.ts";
export { cardPathFor };
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { type ModelCard, parseModelCard } from "../card/card.ts";

/** Raw outputs for a batch of `n` images. */
export interface ScoreResult {
  /** The `all`-vs-`normal` logit per image (length n), before temperature. */
  logits: Float32Array;
  /** Subtype logits, row-major [n, card.subtypes.length], when the card names that output. */
  subtypeLogits?: Float32Array;
}

/** A loaded model and its card. */
export interface OnnxScorer {
  card: ModelCard;
  /**
   * Runs the model on `n` preprocessed images in NCHW layout
   * (`batch.length === n * 3 * size * size`).
   */
  score(batch: Float32Array, n: number): Promise<ScoreResult>;
  /** Frees the native session. */
  release(): Promise<void>;
}

/** Options for {@link createOnnxScorer}. */
export interface OnnxScorerOptions {
  /** Threads for one operator (default 1: the machine is shared). */
  threads?: number;
  /**
   * Graph optimisation level (default `basic`). Do not raise it for int8 QDQ models:
   * onnxruntime-node 1.30's `extended`/`all` fusions returned wrong logits (≈ constant) for this
   * project's QDQ exports, while `basic` matches onnxruntime-web (the service's runtime) exactly.
   */
  optimization?: "disabled" | "basic" | "extended" | "all";
}

/**
 * Loads an ONNX model and its card and returns a batch scorer.
 *
 * @example
 * ```ts
 * const scorer = await createOnnxScorer("tests/fixtures/models/tiny.int8.onnx");
 * const s = scorer.card.preprocess.size;
 * const { logits } = await scorer.score(new Float32Array(2 * 3 * s * s), 2);
 * logits.length; // 2
 * ```
 */
export async function createOnnxScorer(modelPath: string, opts: OnnxScorerOptions = {}): Promise<OnnxScorer> {
  const cardPath = cardPathFor(modelPath);
  let cardJson: unknown;
  try {
    cardJson = JSON.parse(await readFile(cardPath, "utf8"));
  } catch (err) {
    throw new Error(
      `cannot read the model card ${cardPath} (${(err as Error).message}); export the model with its card first`,
    );
  }
  const card = parseModelCard(cardJson);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(modelPath));
  } catch (err) {
    throw new Error(
      `cannot read model ${modelPath} (${(err as Error).message}); check the path or export the model first`,
    );
  }
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: opts.optimization ?? "basic",
  });
  for (const name of [card.io.input]) {
    if (!session.inputNames.includes(name)) {
      throw new Error(
        `model ${modelPath} has no input "${name}" named by its card (inputs: ${
          session.inputNames.join(", ")
        }); re-export the model`,
      );
    }
  }
  const wanted = [card.io.logit, ...(card.io.subtypeLogits ? [card.io.subtypeLogits] : [])];
  for (const name of wanted) {
    if (!session.outputNames.includes(name)) {
      throw new Error(
        `model ${modelPath} has no output "${name}" named by its card (outputs: ${
          session.outputNames.join(", ")
        }); re-export the model`,
      );
    }
  }
  const size = card.preprocess.size;
  const per = 3 * size * size;
  const k = card.subtypes?.length ?? 0;

  return {
    card,
    async score(batch, n) {
      if (!(Number.isInteger(n) && n > 0) || batch.length < n * per) {
        throw new RangeError(`score: batch of ${batch.length} values cannot hold ${n} images of 3×${size}×${size}`);
      }
      const data = batch.length === n * per ? batch : batch.subarray(0, n * per);
      const feeds = { [card.io.input]: new ort.Tensor("float32", data, [n, 3, size, size]) };
      const out = await session.run(feeds, wanted);
      const logits = Float32Array.from(out[card.io.logit].data as Float32Array);
      if (logits.length !== n) {
        throw new Error(`output "${card.io.logit}" has ${logits.length} values for ${n} images; expected shape [N, 1]`);
      }
      const result: ScoreResult = { logits };
      if (card.io.subtypeLogits) {
        const sub = Float32Array.from(out[card.io.subtypeLogits].data as Float32Array);
        if (sub.length !== n * k) {
          throw new Error(
            `output "${card.io.subtypeLogits}" has ${sub.length} values; expected ${n}×${k} (card.subtypes)`,
          );
        }
        result.subtypeLogits = sub;
      }
      for (const t of Object.values(out)) t.dispose?.();
      return result;
    },
    release: () => session.release(),
  };
}
