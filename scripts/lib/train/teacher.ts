/**
 * A teacher's logits for knowledge distillation: one number per training image, by manifest path,
 * written by `deno task teacher` (`scripts/teacher.ts`) from a trained run and read by the trainer's
 * `--teacher FILE`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";

/** `teacher.json`. */
export interface TeacherLogitsFile {
  kind: "teacher-logits";
  created: string;
  /** the run folder and checkpoint the logits came from */
  teacher: { run: string; checkpoint: string; architecture: string; size: number };
  /** the manifest whose paths key `logits` */
  manifest: string;
  /** the teacher's `all` logit per manifest path (no augmentation) */
  logits: Record<string, number>;
}

/**
 * Checks a parsed `teacher.json` and returns its logits as a map.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const file = { kind: "teacher-logits", created: "", manifest: "m.json",
 *   teacher: { run: "runs/t", checkpoint: "best", architecture: "mobilenetv2", size: 128 },
 *   logits: { "a.jpg": 2.5, "b.jpg": -1 } };
 * assert.equal(parseTeacherLogits(file).logits.get("a.jpg"), 2.5);
 * assert.throws(() => parseTeacherLogits({ ...file, logits: { "a.jpg": "x" } }), /"a.jpg" is not a finite number/);
 * assert.throws(() => parseTeacherLogits({ kind: "eval" }), /not a teacher-logits file/);
 * ```
 */
export function parseTeacherLogits(value: unknown): { file: TeacherLogitsFile; logits: Map<string, number> } {
  const v = value as Partial<TeacherLogitsFile> | null;
  if (!v || typeof v !== "object" || v.kind !== "teacher-logits") {
    throw new Error("not a teacher-logits file; write one with deno task teacher --run <teacher run>");
  }
  if (!v.logits || typeof v.logits !== "object") throw new Error(`teacher-logits file has no "logits" object`);
  const logits = new Map<string, number>();
  for (const [path, x] of Object.entries(v.logits)) {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new Error(`teacher logit of "${path}" is not a finite number`);
    }
    logits.set(path, x);
  }
  if (logits.size === 0) throw new Error("the teacher-logits file holds no logits");
  return { file: v as TeacherLogitsFile, logits };
}

/** Reads and checks a `teacher.json` ({@link parseTeacherLogits}); the error names the file. */
export async function readTeacherLogits(
  file: string,
): Promise<{ file: TeacherLogitsFile; logits: Map<string, number> }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`cannot read the teacher's logits ${file}; write them with deno task teacher --run <teacher run>`);
  }
  try {
    return parseTeacherLogits(JSON.parse(text));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}
