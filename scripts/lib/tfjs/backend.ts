/**
 * Picks the fastest TensorFlow.js backend available in this process.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { registerWasmTrainingKernels } from "./wasm_kernels.ts";

/** Backends {@link selectBackend} knows. */
export type BackendName = "auto" | "tfjs-node-gpu" | "tfjs-node" | "webgpu" | "wasm" | "cpu";

/** All names, for CLI validation. */
export const BACKEND_NAMES: readonly BackendName[] = ["auto", "tfjs-node-gpu", "tfjs-node", "webgpu", "wasm", "cpu"];

/** Resolves a package from this repository (undefined when not installed). */
function resolvePackage(name: string): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(name);
  } catch {
    return undefined;
  }
}

async function tryNode(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): Promise<boolean> {
  if (!resolvePackage(pkg)) return false;
  try {
    await import(pkg);
    return await tf.setBackend("tensorflow");
  } catch {
    return false;
  }
}

async function tryWebgpu(): Promise<boolean> {
  if (!resolvePackage("webgpu") || !resolvePackage("@tensorflow/tfjs-backend-webgpu")) return false;
  try {
    // deno-lint-ignore no-explicit-any
    const webgpu: any = await import("webgpu");
    const g = globalThis as Record<string, unknown>;
    if (!("navigator" in g) || !(g.navigator as { gpu?: unknown }).gpu) {
      Object.assign(g, webgpu.globals ?? {});
      const gpu = webgpu.create([]);
      Object.defineProperty(g.navigator ?? (g.navigator = {}), "gpu", { value: gpu, configurable: true });
    }
    // deno-lint-ignore no-explicit-any
    const adapter = await (g.navigator as any).gpu.requestAdapter();
    if (!adapter) return false;
    await import("@tensorflow/tfjs-backend-webgpu");
    return await tf.setBackend("webgpu");
  } catch {
    return false;
  }
}

let wasmReady = false;

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    if (!wasmReady) {
      const main = resolvePackage("@tensorflow/tfjs-backend-wasm");
      if (!main) return false;
      // the package's main file and its .wasm files both sit in dist/
      wasm.setWasmPaths(pathToFileURL(dirname(main) + "/").href);
      registerWasmTrainingKernels();
      wasmReady = true;
    }
    return await tf.setBackend("wasm");
  } catch {
    return false;
  }
}

/**
 * Activates `name` (or, for `auto`, the first that works of tfjs-node-gpu, tfjs-node, webgpu,
 * wasm, cpu) and returns the backend actually in use. Missing optional packages are skipped
 * quietly under `auto`; naming one explicitly that cannot start throws.
 *
 * @example
 * ```ts
 * const picked = await selectBackend("auto"); // e.g. "wasm"
 * ```
 */
export async function selectBackend(
  name: BackendName,
  log: (msg: string) => void = () => {},
): Promise<Exclude<BackendName, "auto">> {
  const attempts: Record<Exclude<BackendName, "auto">, () => Promise<boolean>> = {
    "tfjs-node-gpu": () => tryNode("@tensorflow/tfjs-node-gpu"),
    "tfjs-node": () => tryNode("@tensorflow/tfjs-node"),
    webgpu: tryWebgpu,
    wasm: tryWasm,
    cpu: () => tf.setBackend("cpu"),
  };
  const order = name === "auto" ? (Object.keys(attempts) as Exclude<BackendName, "auto">[]) : [name];
  for (const candidate of order) {
    const attempt = attempts[candidate];
    if (!attempt) throw new Error(`unknown backend "${name}"; use one of ${BACKEND_NAMES.join(", ")}`);
    if (await attempt()) {
      await tf.ready();
      log(`tfjs backend: ${candidate}${name === "auto" ? " (auto)" : ""}`);
      return candidate;
    }
  }
  throw new Error(`backend "${name}" is not available here; install its package or use --backend auto`);
}
