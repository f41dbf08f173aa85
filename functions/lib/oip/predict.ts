/**
 * The answer for one already-preprocessed image (the OIP `input` tensor): the model run and the
 * core's `answer` by `predictImage`'s own `runAndAnswer`. With no image there are no
 * image statistics, so a card whose domain check has sanity ranges answers `review` with the
 * reason that they cannot be computed: sending a tensor never bypasses the domain check silently.
 *
 * @module
 */
import { type Answer, type ModelRuntime, sha256Hex } from "../../../model/core/mod.ts";
import { runAndAnswer } from "../predict/pipeline.ts";

/** The answer for one tensor, with the hash of the tensor's bytes (float32, little-endian) for the audit trail. */
export interface TensorAnswer extends Answer {
  model: { id: string; version: string; sha256: string };
  input: { sha256: string };
}

/**
 * Runs one NCHW float32 tensor `[1, 3, size, size]` (the card's preprocessing already applied)
 * and answers it with the card's rule (`answer`, as `/v1/predict`), the pooled features held
 * against the card's feature check when it has one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const a = await predictTensor(runtime, new Float32Array(3 * 32 * 32));
 * assert.ok(a.scores.all >= 0 && a.scores.all <= 1);
 * assert.equal(a.input.sha256.length, 64);
 * await runtime.close();
 * ```
 */
export async function predictTensor(
  runtime: ModelRuntime,
  tensor: Float32Array,
  signal?: AbortSignal,
): Promise<TensorAnswer> {
  const card = runtime.card;
  const hashing = sha256Hex(new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength));
  hashing.catch(() => undefined);
  const { answered } = await runAndAnswer(runtime, tensor, undefined, false);
  signal?.throwIfAborted();
  return {
    ...answered,
    model: { id: card.id, version: card.version, sha256: card.sha256 },
    input: { sha256: await hashing },
  };
}
