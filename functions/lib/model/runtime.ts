/**
 * The loaded model: its card plus an onnxruntime-web session, behind a small interface the
 * routes use (`run` one preprocessed image, get logit / subtype logits / CAM back).
 *
 * @module
 */
import { type ModelCard, ModelCardError, parseModelCard } from "./card.ts";
import { initOrt } from "./ort.ts";
import { sha256Hex } from "../util/sha256.ts";
import { cardPathFor } from "./default.ts";
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
}

/** A loaded model, ready to run. */
export interface ModelRuntime {
  /** The model card (everything the service knows about the model). */
  readonly card: ModelCard;
  /**
   * Runs one image: `input` is the NCHW float32 tensor `[1, 3, size, size]` from `preprocess`.
   * Calls are serialised (one inference at a time per model).
   */
  run(input: Float32Array, options?: { cam?: boolean }): Promise<ModelOutputs>;
  /** Frees the session. */
  close(): Promise<void>;
}

/**
 * Creates a runtime from a parsed card and the `.onnx` bytes. Checks the bytes against
 * `card.sha256` and the card's tensor names against the graph.
 *
 * @example
 * ```ts
 * const card = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json")));
 * const runtime = await createModelRuntime(card, await Deno.readFile("model/all-v4.int8.onnx"));
 * const { logit } = await runtime.run(new Float32Array(3 * card.preprocess.size ** 2));
 * ```
 */
export async function createModelRuntime(card: ModelCard, modelBytes: Uint8Array): Promise<ModelRuntime> {
  if (typeof card.sha256 === "string" && card.sha256 !== "") {
    const actual = await sha256Hex(modelBytes);
    if (actual !== card.sha256.toLowerCase()) {
      throw new ModelCardError(
        `model file sha256 ${actual} does not match the card's ${card.sha256}; ` +
          `the .onnx and its .json card are from different exports: re-export or copy both together`,
      );
    }
  }
  const ort = await initOrt();
  // Creating the first session runs ~0.5 s of synchronous wasm (ort's start-up, kernel
  // registration): let the event loop answer pending requests (health checks) first.
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const { io } = card;
  const missing = [
    ...[io.input].filter((n) => !session.inputNames.includes(n)),
    ...[io.logit, io.subtypeLogits, io.cam].filter((n): n is string => !!n && !session.outputNames.includes(n)),
  ];
  if (missing.length > 0) {
    await session.release();
    throw new ModelCardError(
      `model card names tensors the graph does not have (${missing.join(", ")}); graph has inputs ` +
        `[${session.inputNames}] and outputs [${session.outputNames}]: fix "io" in the card or re-export`,
    );
  }
  const size = card.preprocess.size;
  let queue: Promise<unknown> = Promise.resolve();

  const runOnce = async (input: Float32Array, wantCam: boolean): Promise<ModelOutputs> => {
    if (input.length !== 3 * size * size) {
      throw new RangeError(`input has ${input.length} values; the model needs 3×${size}×${size}`);
    }
    const feeds = { [io.input]: new ort.Tensor("float32", input, [1, 3, size, size]) };
    const fetches = [io.logit];
    if (io.subtypeLogits) fetches.push(io.subtypeLogits);
    if (wantCam && io.cam) fetches.push(io.cam);
    const out = await session.run(feeds, fetches);
    try {
      const result: ModelOutputs = { logit: Number((out[io.logit].data as Float32Array)[0]) };
      if (io.subtypeLogits) result.subtypeLogits = Float32Array.from(out[io.subtypeLogits].data as Float32Array);
      if (wantCam && io.cam) {
        const t = out[io.cam];
        const dims = t.dims;
        result.cam = {
          height: Number(dims[dims.length - 2]),
          width: Number(dims[dims.length - 1]),
          data: Float32Array.from(t.data as Float32Array),
        };
      }
      return result;
    } finally {
      for (const t of Object.values(out)) t.dispose?.();
    }
  };

  return {
    card,
    run(input, options) {
      const next = queue.then(() => runOnce(input, options?.cam === true));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      await session.release();
    },
  };
}

/**
 * Reads `<path>` and its card `<path without .onnx>.json` from disk (Deno, Node) and creates the
 * runtime. Errors say which file is missing or wrong.
 *
 * @example
 * ```ts
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * console.log(runtime.card.version);
 * ```
 */
export async function loadModelFile(path: string): Promise<ModelRuntime> {
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
  return await createModelRuntime(parseModelCard(json), modelBytes);
}
