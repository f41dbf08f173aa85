/**
 * Trained runs' raw logits under the evaluation shift suite, for the tools that read many runs
 * under many shifts (`deno task combos`, `deno task folds --shifts`): the images are decoded once,
 * each shift applied once for every run that still lacks it, and the logits kept per run and
 * shift, so a caller's cache decides what is scored.
 *
 * @module
 */
import type { ModelIO, PreprocessSpec, SessionOptions } from "../../../model/core/mod.ts";
import type { LoadedImage } from "../shift/load.ts";
import { applySuiteShift, type SuiteShift } from "../shift_suite/suite.ts";
import { onnxLogits } from "./onnx_scoring.ts";

/** One run to score: its float model and preprocessing, and its logits so far (filled in place). */
export interface ShiftMember {
  bytes: Uint8Array;
  spec: PreprocessSpec;
  io: ModelIO;
  /** shift name → one raw logit per image; missing shifts are scored */
  byShift: Record<string, number[]>;
}

/**
 * Fills each member's `byShift` with the shifts it lacks. `load` runs only when something is
 * missing; `onShift` is told each shift scored. Returns how many shifts were scored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * import { SHIFT_SUITE } from "../shift_suite/suite.ts";
 * const card = JSON.parse(await readFile("tests/fixtures/models/tiny.float.json", "utf8"));
 * const bytes = new Uint8Array(await readFile("tests/fixtures/models/tiny.float.onnx"));
 * const image = {
 *   item: { path: "all/a.png", label: "all", group: "g1", split: "test", sha256: "", view: "original" },
 *   rgba: { width: 40, height: 40, data: new Uint8Array(40 * 40 * 4).map((_, i) => (i * 7) % 256) },
 * } as const;
 * const shifts = SHIFT_SUITE.filter((s) => s.name === "identity" || s.name === "gamma 1.2");
 * const byShift: Record<string, number[]> = { identity: [0.5] };
 * const member = { bytes, spec: card.preprocess, io: card.io, byShift };
 * let loads = 0;
 * const load = () => (loads++, Promise.resolve([image]));
 * assert.equal(await scoreUnderShifts(load, [member], shifts, { session: { backend: "web" } }), 1);
 * assert.deepEqual(member.byShift.identity, [0.5]); // kept: only gamma was missing
 * assert.equal(member.byShift["gamma 1.2"].length, 1);
 * assert.equal(await scoreUnderShifts(load, [member], shifts), 0);
 * assert.equal(loads, 1); // nothing missing: not even decoded
 * ```
 */
export async function scoreUnderShifts(
  load: () => Promise<readonly LoadedImage[]>,
  members: readonly ShiftMember[],
  shifts: readonly SuiteShift[],
  options: { session?: SessionOptions; onShift?: (name: string) => void } = {},
): Promise<number> {
  const todo = shifts.filter((s) => members.some((m) => !m.byShift[s.name]));
  if (todo.length === 0) return 0;
  const images = await load();
  for (const shift of todo) {
    const shifted = await Promise.all(
      images.map(async (im) => ({ ...im, rgba: await applySuiteShift(im.rgba, shift) })),
    );
    for (const m of members) {
      if (m.byShift[shift.name]) continue;
      m.byShift[shift.name] = (await onnxLogits(m.bytes, shifted, m.spec, m.io, options.session ?? { backend: "node" }))
        .logits;
    }
    options.onShift?.(shift.name);
  }
  return todo.length;
}
