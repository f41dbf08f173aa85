/**
 * The cell classifier of `/v1/cells`, as the app sees it: a runtime, a pending one, or a failed
 * one (the configured `CELL_MODEL` is missing or does not load). The service starts and serves
 * `/v1/predict` either way; `/v1/cells` waits for a pending model and answers 503
 * `cells_unavailable` (naming `CELL_MODEL` and why) when there is none, and `/readyz` lists the
 * reason among its warnings. The entries decide when to load it: `functions/deno.ts` once the field
 * model is ready (not on the readiness path), the Workers handler with the field model.
 *
 * @module
 */
import type { ModelRuntime } from "../../../model/core/mod.ts";
import { cardPathFor, loadModelFile } from "../../../model/core/mod.ts";
import { ApiError } from "../http/errors.ts";
import type { ModelWarning } from "../model/warnings.ts";

/** What the app is given: the cell model, or a promise of it (a rejection says why there is none). */
export type CellModelSource = ModelRuntime | Promise<ModelRuntime>;

/** The cell model's state. */
export interface CellModel {
  /** The runtime once loaded. */
  readonly current: ModelRuntime | undefined;
  /** Why there is no cell model (set once its load failed, or from the start when none was given). */
  readonly problem: string | undefined;
  /** Settles when loading finishes (either way). */
  readonly settled: Promise<void>;
  /** The runtime (waiting while it loads), or rejects with a 503 `cells_unavailable` ApiError. */
  require(): Promise<ModelRuntime>;
  /** `/readyz`'s warning about the cell model: one `cells_unavailable` entry when there is none, else []. */
  warnings(): ModelWarning[];
}

/**
 * Wraps the cell model the app was given. `undefined` (an app built without one) answers 503
 * without a readiness warning; a rejected promise answers 503 with its message and warns. A
 * failure is reported to `onError` once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const ok = createCellModel(loadModelFile("tests/fixtures/models/tiny.int8.onnx"));
 * assert.equal((await ok.require()).card.id, "tiny-test"); // waits for the load
 * assert.deepEqual(ok.warnings(), []);
 * await ok.current?.close();
 *
 * const missing = createCellModel(openCellModel("model/no-such-cells.int8.onnx"));
 * await missing.settled;
 * await assert.rejects(missing.require(), { status: 503, code: "cells_unavailable" });
 * assert.match(missing.warnings()[0].message, /CELL_MODEL=model\/no-such-cells\.int8\.onnx/);
 * ```
 */
export function createCellModel(
  source: CellModelSource | undefined,
  onError: (err: Error) => void = () => {},
): CellModel {
  let current: ModelRuntime | undefined;
  let problem: string | undefined = source === undefined
    ? "this server was built without a cell model (the app was given none)"
    : undefined;
  const settled = source === undefined ? Promise.resolve() : Promise.resolve(source).then(
    (m) => {
      current = m;
    },
    (err) => {
      const e = err instanceof Error ? err : new Error(String(err));
      problem = e.message;
      onError(e);
    },
  );
  const unavailable = () =>
    new ApiError(
      503,
      "cells_unavailable",
      `/v1/cells has no cell model: ${problem}. /v1/predict still answers; the operator must set CELL_MODEL to an ` +
        "exported cell classifier (.onnx with its .json card beside it) and restart",
    );
  return {
    get current() {
      return current;
    },
    get problem() {
      return problem;
    },
    settled,
    async require() {
      if (current) return current;
      if (problem === undefined) await settled; // still loading (never await a settled load again)
      if (current) return current;
      throw unavailable();
    },
    warnings() {
      if (problem === undefined || source === undefined) return [];
      return [{
        code: "cells_unavailable",
        message: `no cell classifier: ${problem}. POST /v1/cells answers 503 cells_unavailable until CELL_MODEL ` +
          "names an exported cell model (.onnx with its .json card beside it) and the service restarts.",
      }];
    },
  };
}

/**
 * Why the cell model at `path` cannot be opened before trying (Deno): the path is not an `.onnx`,
 * or the model or its card does not exist; `undefined` when both files are there. The message
 * names `CELL_MODEL`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cellModelProblem("tests/fixtures/models/tiny.int8.onnx"), undefined);
 * assert.equal(cellModelProblem("model/none.int8.onnx"), "CELL_MODEL=model/none.int8.onnx: the file does not exist");
 * ```
 */
export function cellModelProblem(path: string): string | undefined {
  let card: string;
  try {
    card = cardPathFor(path);
  } catch (err) {
    return `CELL_MODEL=${path}: ${(err as Error).message}`;
  }
  for (const file of [path, card]) {
    try {
      if (!Deno.statSync(file).isFile) throw new Error("not a file");
    } catch {
      return `CELL_MODEL=${path}: ${file === path ? "the file does not exist" : `its card ${card} does not exist`}`;
    }
  }
  return undefined;
}

/**
 * Loads the cell model at `path` (Deno entry): rejects at once with {@link cellModelProblem}'s
 * message when a file is missing, else loads it with the core's `loadModelFile` (which also
 * refuses a card whose hash or tensors do not match the model; that message is kept, prefixed with
 * the variable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * await assert.rejects(openCellModel("model/none.int8.onnx"), /^Error: CELL_MODEL=model\/none\.int8\.onnx: the file does not exist/);
 * const m = await openCellModel("tests/fixtures/models/tiny.int8.onnx");
 * assert.equal(m.card.id, "tiny-test");
 * await m.close();
 * ```
 */
export async function openCellModel(path: string): Promise<ModelRuntime> {
  const problem = cellModelProblem(path);
  if (problem) throw new Error(problem);
  try {
    return await loadModelFile(path);
  } catch (err) {
    throw new Error(`CELL_MODEL=${path}: ${(err as Error).message}`);
  }
}
