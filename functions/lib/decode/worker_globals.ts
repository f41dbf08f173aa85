/**
 * Side-effect module, imported first by `decode_worker.ts` (before the core): gives the worker the
 * same `location` as the service's main thread, i.e. none. A Deno worker has `location` (its
 * script's `file:` URL, whose origin is the string `"null"`), and onnxruntime-web, which the
 * core's single entry `model/core/mod.ts` loads, resolves its own URL against `location.origin`
 * while its module initialises: `new URL(…, "null")` throws and the worker would fail to load.
 * The worker never runs the model; nothing it runs reads `location`.
 *
 * @example
 * ```ts
 * // decode_worker.ts begins with `import "./worker_globals.ts";`. In a window scope (here) there
 * // is no `WorkerGlobalScope`, and this module changes nothing:
 * import "./worker_globals.ts";
 * if ("location" in globalThis && typeof location !== "undefined") throw new Error("unexpected location");
 * ```
 *
 * @module
 */
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  Object.defineProperty(globalThis, "location", { value: undefined, configurable: true, writable: true });
}
