/**
 * Open Inference Protocol v2 metadata: the server's (`GET /v2`), the model's
 * (`GET /v2/models/{name}`: its inputs and outputs as this service takes and returns them) and
 * the listing of the models served (`GET /v2/models`, an extension: the protocol has none).
 *
 * @module
 */
import type { ModelCard } from "../../../model/core/mod.ts";
import { IMAGE_INPUT, TENSOR_INPUT } from "./tensors.ts";

/** A tensor's metadata (`-1`: any size). */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** The model metadata response. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** The server metadata response. */
export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/**
 * The server metadata: this service's name, its API version and the protocol extensions it
 * supports (`binary_tensor_data`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(serverMetadata().extensions, ["binary_tensor_data"]);
 * ```
 */
export function serverMetadata(): ServerMetadata {
  return { name: "all-screen", version: "1.0.0", extensions: ["binary_tensor_data"] };
}

/**
 * The model's metadata, from its card: the name is the card's `id`, the one version its
 * `version`; inputs `image` (BYTES [n]: encoded images) and `input` (FP32 [n, 3, size, size]:
 * the card's preprocessed tensor), of which a request sends one; outputs `scores` (FP32 [n, 2]:
 * p(all), p(normal)), `label`, `decision` and `reasons` (BYTES [n]).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = { id: "all-screen", version: "5.0.0", preprocess: { size: 96 } };
 * const m = modelMetadata(card);
 * assert.deepEqual([m.name, m.versions, m.platform], ["all-screen", ["5.0.0"], "onnx"]);
 * assert.deepEqual(m.inputs[1], { name: "input", datatype: "FP32", shape: [-1, 3, 96, 96] });
 * ```
 */
export function modelMetadata(
  card: Pick<ModelCard, "id" | "version"> & { preprocess: { size: number } },
): ModelMetadata {
  const s = card.preprocess.size;
  return {
    name: card.id,
    versions: [card.version],
    platform: "onnx",
    inputs: [
      { ...IMAGE_INPUT, shape: [-1] },
      { ...TENSOR_INPUT, shape: [-1, 3, s, s] },
    ],
    outputs: [
      { name: "scores", datatype: "FP32", shape: [-1, 2] },
      { name: "label", datatype: "BYTES", shape: [-1] },
      { name: "decision", datatype: "BYTES", shape: [-1] },
      { name: "reasons", datatype: "BYTES", shape: [-1] },
    ],
  };
}

/**
 * The listing of the models this service holds (an extension: the protocol defines none; one
 * model per service today).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(modelListing([{ id: "all-screen", version: "5.0.0" }]), {
 *   models: [{ name: "all-screen", versions: ["5.0.0"], platform: "onnx" }],
 * });
 * ```
 */
export function modelListing(
  cards: readonly Pick<ModelCard, "id" | "version">[],
): { models: { name: string; versions: string[]; platform: string }[] } {
  return { models: cards.map((c) => ({ name: c.id, versions: [c.version], platform: "onnx" })) };
}
