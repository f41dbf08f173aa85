/**
 * A loaded model: its card plus a session (`session.ts`), behind the small interface the service
 * and the evaluations use: `run` one preprocessed image (logit, subtype logits, CAM, pooled
 * features) or `score` a batch of them. The card's hash and tensor names are checked against the
 * `.onnx` on load.
 *
 * @module
 */
import { type ModelCard, ModelCardError, parseModelCard } from "../card/card.ts";
import { createSession, type OnnxBackend, type SessionOptions } from "./session.ts";
import { sha256Hex } from "../util/sha256.ts";
import { cardPathFor } from "../card/default.ts";
import { readLocalFile } from "../util/read_file.ts";

/** The class-activation map of one image: `height` rows of `width` logit contributions. */
export interface CamMap {
  width: number;
  height: number;
  data: Float32Array;
}

/** What the model says about one image. */
export interface ModelOutputs {
  /** Raw binary logit (before temperature). */
  logit: number;
  /** Raw subtype logits, in `card.subtypes` order, when the model has that head. */
  subtypeLogits?: Float32Array;
  /** Class-activation map, when asked for and the model has it. */
  cam?: CamMap;
  /** Pooled features (length C), when asked for and the model has them (see {@link featuresOutputOf}). */
  features?: Float32Array;
}

/** Raw outputs for a batch of `n` images. */
export interface BatchOutputs {
  /** The `all`-vs-`normal` logit per image (length n), before temperature. */
  logits: Float32Array;
  /** Subtype logits, row-major [n, card.subtypes.length], when the card names that output. */
  subtypeLogits?: Float32Array;
  /** Pooled features, row-major [n, featureDims], when asked for and the model has them. */
  features?: Float32Array;
  /** Features per image (C), with `features`. */
  featureDims?: number;
}

/** What to fetch besides the logits. */
export interface RunOptions {
  /** The class-activation map ({@link ModelOutputs.cam}; `run` only). */
  cam?: boolean;
  /** The pooled features, when the model has them ({@link featuresOutputOf}). */
  features?: boolean;
}

/** A loaded model, ready to run. */
export interface ModelRuntime {
  /** The model card (everything the service knows about the model). */
  readonly card: ModelCard;
  /** The backend the model runs on. */
  readonly backend: OnnxBackend;
  /**
   * Runs one image: `input` is the NCHW float32 tensor `[1, 3, size, size]` from `preprocess`.
   * Calls are serialised (one inference at a time per model).
   */
  run(input: Float32Array, options?: RunOptions): Promise<ModelOutputs>;
  /**
   * Runs `n` preprocessed images (NCHW, `batch.length >= n * 3 * size * size`) in batches of at
   * most `maxBatch` (see {@link RuntimeOptions}) and returns their logits (and, when asked, their
   * pooled features) in order.
   */
  score(batch: Float32Array, n: number, options?: Pick<RunOptions, "features">): Promise<BatchOutputs>;
  /** Frees the session. */
  close(): Promise<void>;
}

/** Options for {@link createModelRuntime} and {@link loadModelFile}: the session's, plus batching. */
export interface RuntimeOptions extends SessionOptions {
  /**
   * Most images per `session.run` in {@link ModelRuntime.score} (default 64; `Infinity`: one run
   * per call). On `node`, a batch of one image can round ≈1 ulp differently from larger batches.
   */
  maxBatch?: number;
}

/** The graph output the exporter gives the pooled features when the card names none. */
export const FEATURES_OUTPUT = "features";

/**
 * The graph output holding the pooled features [N, C]: the card's `domain.features.output`, else
 * its `io.features`, else {@link FEATURES_OUTPUT} when the graph has that output; `undefined` when
 * the model has none (models exported before it, or without a "gap" layer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const io = { input: "image", logit: "logit" };
 * assert.equal(featuresOutputOf({ io }, ["logit", "cam"]), undefined);
 * assert.equal(featuresOutputOf({ io }, ["logit", "features"]), "features");
 * assert.equal(featuresOutputOf({ io: { ...io, features: "pooled" } }, ["logit", "pooled"]), "pooled");
 * ```
 */
export function featuresOutputOf(
  card: Pick<ModelCard, "io" | "domain">,
  graphOutputs: readonly string[],
): string | undefined {
  const named = card.domain?.features?.output ?? card.io.features;
  if (named) return named;
  return graphOutputs.includes(FEATURES_OUTPUT) ? FEATURES_OUTPUT : undefined;
}

/**
 * Creates a runtime from a parsed card and the `.onnx` bytes. Checks the bytes against
 * `card.sha256` and the card's tensor names against the graph.
 *
 * @example
 * ```ts
 * import { parseModelCard } from "../card/card.ts";
 * const card = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json")));
 * const runtime = await createModelRuntime(card, await Deno.readFile("model/all-v4.int8.onnx"));
 * const { logit } = await runtime.run(new Float32Array(3 * card.preprocess.size ** 2));
 * if (!Number.isFinite(logit)) throw new Error("a logit");
 * await runtime.close();
 * ```
 */
export async function createModelRuntime(
  card: ModelCard,
  modelBytes: Uint8Array,
  options: RuntimeOptions = {},
): Promise<ModelRuntime> {
  if (typeof card.sha256 === "string" && card.sha256 !== "") {
    const actual = await sha256Hex(modelBytes);
    if (actual !== card.sha256.toLowerCase()) {
      throw new ModelCardError(
        `model file sha256 ${actual} does not match the card's ${card.sha256}; ` +
          `the .onnx and its .json card are from different exports: re-export or copy both together`,
      );
    }
  }
  const session = await createSession(modelBytes, options);
  const { io } = card;
  const missing = [
    ...[io.input].filter((n) => !session.inputNames.includes(n)),
    ...[io.logit, io.subtypeLogits, io.cam, io.features, card.domain?.features?.output].filter((n): n is string =>
      !!n && !session.outputNames.includes(n)
    ),
  ];
  if (missing.length > 0) {
    await session.close();
    throw new ModelCardError(
      `model card names tensors the graph does not have (${missing.join(", ")}); graph has inputs ` +
        `[${session.inputNames}] and outputs [${session.outputNames}]: fix "io" in the card or re-export`,
    );
  }
  const size = card.preprocess.size;
  const per = 3 * size * size;
  const k = card.subtypes?.length ?? 0;
  const maxBatch = options.maxBatch ?? 64;
  const scoreFetches = [io.logit, ...(io.subtypeLogits ? [io.subtypeLogits] : [])];
  const featuresName = featuresOutputOf(card, session.outputNames);

  const run = async (input: Float32Array, options?: RunOptions): Promise<ModelOutputs> => {
    if (input.length !== per) {
      throw new RangeError(`input has ${input.length} values; the model needs 3×${size}×${size}`);
    }
    const wantCam = options?.cam === true && !!io.cam;
    const wantFeatures = options?.features === true && !!featuresName;
    const out = await session.run(
      { [io.input]: { dims: [1, 3, size, size], data: input } },
      [...scoreFetches, ...(wantCam ? [io.cam!] : []), ...(wantFeatures ? [featuresName!] : [])],
    );
    const result: ModelOutputs = { logit: out[io.logit].data[0] };
    if (io.subtypeLogits) result.subtypeLogits = out[io.subtypeLogits].data;
    if (wantCam) {
      const { dims, data } = out[io.cam!];
      result.cam = { height: dims[dims.length - 2], width: dims[dims.length - 1], data };
    }
    if (wantFeatures) result.features = out[featuresName!].data;
    return result;
  };

  const score = async (
    batch: Float32Array,
    n: number,
    options?: Pick<RunOptions, "features">,
  ): Promise<BatchOutputs> => {
    if (!(Number.isInteger(n) && n > 0) || batch.length < n * per) {
      throw new RangeError(`score: batch of ${batch.length} values cannot hold ${n} images of 3×${size}×${size}`);
    }
    const logits = new Float32Array(n);
    const subtypeLogits = io.subtypeLogits ? new Float32Array(n * k) : undefined;
    const wantFeatures = options?.features === true && !!featuresName;
    const fetches = wantFeatures ? [...scoreFetches, featuresName!] : scoreFetches;
    let features: Float32Array | undefined;
    let featureDims = 0;
    for (let start = 0; start < n; start += maxBatch) {
      const m = Math.min(maxBatch, n - start);
      const out = await session.run(
        { [io.input]: { dims: [m, 3, size, size], data: batch.subarray(start * per, (start + m) * per) } },
        fetches,
      );
      const l = out[io.logit].data;
      if (l.length !== m) {
        throw new Error(`output "${io.logit}" has ${l.length} values for ${m} images; expected shape [N, 1]`);
      }
      logits.set(l, start);
      if (subtypeLogits) {
        const sub = out[io.subtypeLogits!].data;
        if (sub.length !== m * k) {
          throw new Error(`output "${io.subtypeLogits}" has ${sub.length} values; expected ${m}×${k} (card.subtypes)`);
        }
        subtypeLogits.set(sub, start * k);
      }
      if (wantFeatures) {
        const f = out[featuresName!].data;
        if (start === 0) {
          featureDims = f.length / m;
          features = new Float32Array(n * featureDims);
        }
        if (!Number.isInteger(featureDims) || f.length !== m * featureDims) {
          throw new Error(`output "${featuresName}" has ${f.length} values for ${m} images; expected shape [N, C]`);
        }
        features!.set(f, start * featureDims);
      }
    }
    return {
      logits,
      ...(subtypeLogits ? { subtypeLogits } : {}),
      ...(features ? { features, featureDims } : {}),
    };
  };

  return { card, backend: session.backend, run, score, close: () => session.close() };
}

/**
 * Reads `<path>` and its card `<path without .onnx>.json` from disk (Deno, Node) and creates the
 * runtime. Errors say which file is missing or wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx"); // and tiny.int8.json
 * assert.equal(runtime.card.id, "tiny-test");
 * const { logit, cam } = await runtime.run(new Float32Array(3 * 32 * 32), { cam: true });
 * assert.ok(Number.isFinite(logit));
 * assert.deepEqual([cam?.height, cam?.width], [8, 8]); // 32 / 4 after two 2×2 max pools
 * await runtime.close();
 * await assert.rejects(loadModelFile("tests/fixtures/models/none.onnx"), /cannot read the model card/);
 * ```
 */
export async function loadModelFile(path: string, options: RuntimeOptions = {}): Promise<ModelRuntime> {
  const cardPath = cardPathFor(path);
  let cardText: string;
  let modelBytes: Uint8Array;
  try {
    cardText = new TextDecoder().decode(await readLocalFile(cardPath));
  } catch (err) {
    throw new ModelCardError(
      `cannot read the model card ${cardPath} (${(err as Error).message}); set MODEL to an exported ` +
        `.onnx whose .json card is beside it, or run the export pipeline`,
    );
  }
  try {
    modelBytes = await readLocalFile(path);
  } catch (err) {
    throw new ModelCardError(
      `cannot read the model ${path} (${(err as Error).message}); set MODEL to an exported .onnx file`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(cardText);
  } catch (err) {
    throw new ModelCardError(`model card ${cardPath} is not JSON (${(err as Error).message}); re-export the model`);
  }
  return await createModelRuntime(parseModelCard(json), modelBytes, options);
}
