/**
 * Writing an exported model and its card: `<dir>/<name>.onnx` and `<dir>/<name>.json`. The card
 * itself is built by the core's `buildModelCard` (`model/core/card/build.ts`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelCard } from "../../../model/core/mod.ts";

/**
 * Writes `dir/<name>.onnx` and `dir/<name>.json` (the card, pretty-printed); `card.file` must be
 * `<name>.onnx` and `card.sha256` the hash of `bytes`. Returns both paths.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const card = JSON.parse(await readFile("tests/fixtures/models/tiny.int8.json", "utf8"));
 * const bytes = new Uint8Array(await readFile("tests/fixtures/models/tiny.int8.onnx"));
 * const dir = await mkdtemp(join(tmpdir(), "cards-"));
 * const paths = await writeModelFiles(dir, "tiny.int8", bytes, card);
 * if (!paths.card.endsWith("tiny.int8.json")) throw new Error("the card lies beside the model");
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
