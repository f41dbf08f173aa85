/**
 * The Workers fetch handler around the same Hono app: built once per isolate from the bundled
 * model bytes and card (and the cell classifier's, for `/v1/cells`, when the build bundled one),
 * with configuration from the Worker's `env` vars.
 *
 * @module
 */
import { createApp } from "../../app.ts";
import { loadConfig } from "../config.ts";
import { parseModelCard } from "../../../model/core/mod.ts";
import { createModelRuntime, type ModelRuntime } from "../../../model/core/mod.ts";
import { registerWasmModule } from "../../../model/core/mod.ts";
import { modelWarningLogs } from "../model/warnings.ts";

/** What the Workers entry imports and hands over. */
export interface WorkerAssets {
  /** The `.onnx` file (wrangler `Data` rule: an ArrayBuffer). */
  model: ArrayBuffer | Uint8Array;
  /** The model card JSON (parsed). */
  card: unknown;
  /** Precompiled wasm modules (wrangler `CompiledWasm` rule). */
  wasm: { ort: WebAssembly.Module; jpeg: WebAssembly.Module };
  /**
   * The cell classifier of `/v1/cells` (its `.onnx` bytes and parsed card), when the build found
   * one; without it `/v1/cells` answers 503 `cells_unavailable` and `/readyz` warns.
   */
  cells?: { model: ArrayBuffer | Uint8Array; card: unknown; path?: string };
}

/** Minimal shape of the Workers `fetch` export. */
export interface WorkerHandler {
  fetch(req: Request, env: Record<string, unknown>, ctx?: unknown): Promise<Response>;
}

/**
 * A Workers handler. The model starts loading on the first request of an isolate (the app
 * answers 503 `not_ready` for routes that need it until then; `/readyz` tells).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getWasmModule } from "../../../model/core/mod.ts";
 * // functions/worker.ts:
 * // `export default createWorkerHandler({ model, card, wasm: { ort: ortWasm, jpeg: jpegWasm } })`,
 * // with the files imported as wrangler modules; here they are read and compiled instead.
 * const handler = createWorkerHandler({
 *   model: await Deno.readFile("tests/fixtures/models/tiny.int8.onnx"),
 *   card: JSON.parse(await Deno.readTextFile("tests/fixtures/models/tiny.int8.json")),
 *   wasm: { ort: await getWasmModule("ort"), jpeg: await getWasmModule("jpeg") },
 * });
 * const res = await handler.fetch(new Request("http://worker/v1/model"), { MAX_BATCH: "4" });
 * assert.equal(res.status, 200);
 * assert.equal((await res.json()).id, "tiny-test");
 * ```
 */
export function createWorkerHandler(assets: WorkerAssets): WorkerHandler {
  registerWasmModule("ort", assets.wasm.ort);
  registerWasmModule("jpeg", assets.wasm.jpeg);
  let app: ReturnType<typeof createApp> | undefined;
  let model: Promise<ModelRuntime> | undefined;
  let cells: Promise<ModelRuntime> | undefined;
  return {
    async fetch(req, env) {
      if (!app) {
        const vars = Object.fromEntries(Object.entries(env ?? {}).filter(([, v]) => typeof v === "string")) as Record<
          string,
          string
        >;
        const config = loadConfig(vars);
        model = Promise.resolve().then(() =>
          createModelRuntime(parseModelCard(assets.card), new Uint8Array(assets.model as ArrayBuffer))
        );
        // once per isolate: a model without its input-domain check (also in /readyz and /v1/model)
        model.then((m) => modelWarningLogs(m.card).forEach((line) => console.log(JSON.stringify(line))), () => {});
        const bundled = assets.cells;
        // the cell classifier loads after the field model
        cells = bundled
          ? model.catch(() => undefined).then(() =>
            createModelRuntime(parseModelCard(bundled.card), new Uint8Array(bundled.model as ArrayBuffer))
          ).catch((err) => {
            throw new Error(`the bundled cell model${bundled.path ? ` ${bundled.path}` : ""} failed to load: ${err}`);
          })
          : Promise.reject(
            new Error(
              "this Worker was built without a cell model (CELL_MODEL did not exist when it was built; " +
                "build it again once the cell model and its card are there)",
            ),
          );
        app = createApp({ model, config, cells });
      }
      // The first requests wait for the models rather than answering 503 (an isolate has no
      // separate start-up phase); a failed load still answers 503. Both must settle inside a
      // request: workerd drops a promise settling after the request that created it has ended.
      await Promise.allSettled([model!, cells!]);
      return await app.fetch(req);
    },
  };
}
