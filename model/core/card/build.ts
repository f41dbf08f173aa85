/**
 * Building a model card: the pipeline supplies every field but the hash and the date; the builder
 * hashes the model's bytes, dates the card and validates it with the same parser the service
 * uses, so a card built here is one the service accepts. Writing the files is the pipeline's job
 * (`scripts/lib/onnx/card.ts`).
 *
 * @module
 */
import { sha256Hex } from "../util/sha256.ts";
import { type ModelCard, parseModelCard } from "./card.ts";

/** Card fields the caller supplies: everything but the hash; `created` defaults to now. */
export type ModelCardFields = Omit<ModelCard, "sha256" | "created"> & { created?: string | Date };

/**
 * Completes a card for `onnxBytes` (SHA-256 of the bytes, ISO `created`) and validates it with
 * {@link parseModelCard}; throws `ModelCardError` naming the bad field otherwise.
 *
 * @example Rebuild the committed tiny fixture's card from its fields
 * ```ts
 * const { sha256: _hash, created: _date, ...fields } = JSON.parse(
 *   await Deno.readTextFile("tests/fixtures/models/tiny.int8.json"),
 * );
 * const bytes = await Deno.readFile("tests/fixtures/models/tiny.int8.onnx");
 * const card = await buildModelCard({ ...fields, created: "2025-01-02T03:04:05.000Z" }, bytes);
 * if (card.sha256 !== _hash) throw new Error("the hash is the model's");
 * if (card.created !== "2025-01-02T03:04:05.000Z") throw new Error("the given date is kept");
 * ```
 */
export async function buildModelCard(fields: ModelCardFields, onnxBytes: Uint8Array): Promise<ModelCard> {
  const created = fields.created === undefined
    ? new Date().toISOString()
    : typeof fields.created === "string"
    ? fields.created
    : fields.created.toISOString();
  const sha256 = await sha256Hex(onnxBytes);
  const card = { ...fields, sha256, created } as ModelCard;
  parseModelCard(JSON.parse(JSON.stringify(card)));
  return card;
}
