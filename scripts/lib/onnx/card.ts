/**
 * Model cards for exported models: fill in the hash and date, validate, write `.onnx` + `.json`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ModelCard, parseModelCard } from "../../../model/core/mod.ts";

/** Card fields the caller supplies: everything but the hash; `created` defaults to now. */
export type ModelCardFields = Omit<ModelCard, "sha256" | "created"> & { created?: string | Date };

/**
 * Completes a card for `onnxBytes` (sha256 of the bytes, ISO `created`) and validates it with
 * `parseModelCard`, so a card this returns is one the service accepts.
 *
 * @example
 * ```ts
 * const card = buildModelCard({ id: "all", version: "1.0.0", file: "all.int8.onnx", ...rest }, bytes);
 * card.sha256; // "3f2a…"
 * ```
 */
export function buildModelCard(fields: ModelCardFields, onnxBytes: Uint8Array): ModelCard {
  const created = fields.created === undefined
    ? new Date().toISOString()
    : typeof fields.created === "string"
    ? fields.created
    : fields.created.toISOString();
  const sha256 = createHash("sha256").update(onnxBytes).digest("hex");
  const card = { ...fields, sha256, created } as ModelCard;
  parseModelCard(JSON.parse(JSON.stringify(card)));
  return card;
}

/**
 * Writes `dir/<name>.onnx` and `dir/<name>.json` (the card, pretty-printed); `card.file` must be
 * `<name>.onnx`. Returns both paths.
 *
 * @example
 * ```ts
 * await writeModelFiles("model", "all-v1.int8", bytes, card); // model/all-v1.int8.onnx + .json
 * ```
 */
export async function writeModelFiles(
  dir: string,
  name: string,
  bytes: Uint8Array,
  card: ModelCard,
): Promise<{ onnx: string; card: string }> {
  if (card.file !== `${name}.onnx`) {
    throw new Error(
      `writeModelFiles: card.file is "${card.file}" but the model is written as "${name}.onnx"; make them agree`,
    );
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== card.sha256) {
    throw new Error(`writeModelFiles: card.sha256 does not match these bytes; build the card from the same bytes`);
  }
  await mkdir(dir, { recursive: true });
  const onnxPath = join(dir, `${name}.onnx`);
  const cardPath = join(dir, `${name}.json`);
  await writeFile(onnxPath, bytes);
  await writeFile(cardPath, JSON.stringify(card, null, 2) + "\n");
  return { onnx: onnxPath, card: cardPath };
}
