/**
 * Side-effect module for entries: importing it first (1) sets glibc's malloc thresholds (see
 * `malloc.ts`) before the large start-up buffers are allocated and (2) starts compiling
 * onnxruntime-web's wasm and the JPEG codec's on V8's background threads while the rest of the
 * module graph is still being evaluated (hono, the image decoders, the Node compatibility layer...).
 * The entry waits for both before it says ready, so no request reads them from `node_modules`.
 * `functions/deno.ts` imports it before anything else; tests and tools should not.
 *
 * @example
 * ```ts
 * // functions/deno.ts begins with `import "./lib/model/preload.ts";`, before its other imports:
 * import "./preload.ts";
 * import { createApp } from "../../app.ts";
 * if (typeof createApp !== "function") throw new Error("the app module should load after the preload");
 * ```
 *
 * @module
 */
import { compileOrtWasm, getWasmModule } from "../../../model/core/mod.ts";
import { tuneMalloc } from "./malloc.ts";

tuneMalloc();

// Errors surface (with their message) when the model loads; none must escape from here.
compileOrtWasm().catch(() => undefined);
getWasmModule("jpeg").catch(() => undefined);
