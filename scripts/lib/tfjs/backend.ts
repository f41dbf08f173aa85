/**
 * Picks the fastest TensorFlow.js backend available in this process.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { execFile } from "node:child_process";
import { registerWasmTrainingKernels } from "./wasm_kernels.ts";
import { registerWebgpuTrainingKernels } from "./webgpu_kernels.ts";

/** Backends {@link selectBackend} knows. */
export type BackendName = "auto" | "tfjs-node-gpu" | "tfjs-node" | "webgpu" | "wasm" | "cpu";

/** All names, for CLI validation. */
export const BACKEND_NAMES: readonly BackendName[] = ["auto", "tfjs-node-gpu", "tfjs-node", "webgpu", "wasm", "cpu"];

/** The folder of an installed package (undefined when not installed), found from this module. */
function packageDir(name: string): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** A reason for a failed import: "not installed" for a missing package, else the error. */
function importFailure(err: unknown, packages: string): string {
  const code = (err as { code?: string }).code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND"
    ? `${packages} not installed`
    : (err as Error).message;
}

/** Why a backend could not start (`null`: it started). */
type Attempt = Promise<string | null>;

/** `null` when `tf.setBackend(name)` succeeded, else a reason. */
async function activate(name: string): Attempt {
  return (await tf.setBackend(name)) ? null : `tf.setBackend("${name}") failed`;
}

async function tryNode(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): Attempt {
  try {
    await import(pkg);
  } catch (err) {
    return importFailure(err, `${pkg} is`);
  }
  return await activate("tensorflow");
}

/** What a WebGPU adapter says about itself (`GPUAdapterInfo`, plus Dawn's fallback flag). */
interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/**
 * Whether a WebGPU adapter runs on the CPU (Mesa's lavapipe/llvmpipe, SwiftShader): correct, but
 * slower than the wasm backend, so `auto` skips it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   isSoftwareAdapter({ vendor: "mesa", architecture: "software", description: "llvmpipe (LLVM 15)" }),
 *   true,
 * );
 * assert.equal(isSoftwareAdapter({ vendor: "nvidia", architecture: "hopper" }), false);
 * ```
 */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  return info.isFallbackAdapter === true || info.architecture === "software" ||
    /llvmpipe|lavapipe|swiftshader/i.test(info.description ?? "");
}

/**
 * The fields of a WebGPU adapter that say what it is. `GPUAdapterInfo`'s fields are getters on its
 * prototype (Dawn), so `{ ...adapter.info }` copies none of them: read them one by one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // usually `adapterInfo(await navigator.gpu.requestAdapter())`; an adapter as Dawn reports a CPU one:
 * const adapter = { info: { vendor: "google", architecture: "", description: "SwiftShader Device (Subzero)" } };
 * const info = adapterInfo(adapter);
 * assert.deepEqual(info, {
 *   vendor: "google", architecture: "", description: "SwiftShader Device (Subzero)", isFallbackAdapter: false,
 * });
 * assert.equal(isSoftwareAdapter(info), true);
 * assert.deepEqual(adapterInfo(null), {
 *   vendor: undefined, architecture: undefined, description: undefined, isFallbackAdapter: false,
 * });
 * ```
 */
// deno-lint-ignore no-explicit-any
export function adapterInfo(adapter: any): AdapterInfo {
  const i = adapter?.info ?? {};
  return {
    vendor: i.vendor,
    architecture: i.architecture,
    description: i.description,
    isFallbackAdapter: adapter?.isFallbackAdapter === true || i.isFallbackAdapter === true,
  };
}

/**
 * The GPU a webgpu replica would get, asked from a short-lived child process (so neither this
 * process nor a thread of it loads Dawn, and a crash there costs nothing): its adapter info, or
 * null when the `webgpu` package is missing, no adapter exists, or the only one runs on the CPU
 * (unless `allowSoftware`). Used to choose defaults (one replica on a GPU) before replicas start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // e.g. { vendor: "nvidia", architecture: "hopper", ... }, or null (no GPU, or under Deno)
 * const gpu = await probeGpuAdapter();
 * assert.ok(gpu === null || !isSoftwareAdapter(gpu));
 * ```
 */
export async function probeGpuAdapter(
  opts: { allowSoftware?: boolean; timeoutMs?: number } = {},
): Promise<AdapterInfo | null> {
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve("webgpu")).href;
  } catch {
    return null;
  }
  const code = `const m = await import(${JSON.stringify(url)});
const a = await m.create([]).requestAdapter();
const i = a && a.info;
process.stdout.write(JSON.stringify(a ? { vendor: i.vendor, architecture: i.architecture, description: i.description, isFallbackAdapter: a.isFallbackAdapter === true } : null));
process.exit(0);`;
  const info = await new Promise<AdapterInfo | null>((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", code],
      { timeout: opts.timeoutMs ?? 20000 },
      (err, stdout) => {
        try {
          resolve(err ? null : JSON.parse(stdout) as AdapterInfo | null);
        } catch {
          resolve(null);
        }
      },
    );
  });
  return info && (opts.allowSoftware || !isSoftwareAdapter(info)) ? info : null;
}

async function tryWebgpu(allowSoftware: boolean): Attempt {
  const missing = "the webgpu and @tensorflow/tfjs-backend-webgpu packages are";
  // deno-lint-ignore no-explicit-any
  let webgpu: any;
  try {
    webgpu = await import("webgpu");
  } catch (err) {
    return `${importFailure(err, missing)} (README: Training on a GPU)`;
  }
  try {
    const g = globalThis as Record<string, unknown>;
    if (!("navigator" in g) || !(g.navigator as { gpu?: unknown }).gpu) {
      Object.assign(g, webgpu.globals ?? {});
      const gpu = webgpu.create([]);
      Object.defineProperty(g.navigator ?? (g.navigator = {}), "gpu", { value: gpu, configurable: true });
    }
    // deno-lint-ignore no-explicit-any
    const adapter = await (g.navigator as any).gpu.requestAdapter();
    if (!adapter) return "no WebGPU adapter (no GPU, or no Vulkan driver and loader)";
    const info = adapterInfo(adapter);
    if (!allowSoftware && isSoftwareAdapter(info)) {
      return `the only WebGPU adapter runs on the CPU (${
        info.description || info.vendor
      }); name --backend webgpu to use it anyway`;
    }
  } catch (err) {
    return (err as Error).message;
  }
  try {
    // registers the backend only if navigator.gpu exists when it loads, so after the lines above
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (err) {
    return `${importFailure(err, missing)} (README: Training on a GPU)`;
  }
  if (process.env.TFJS_WEBGPU_STOCK_KERNELS !== "1") registerWebgpuTrainingKernels();
  return await activate("webgpu");
}

let wasmReady = false;

async function tryWasm(): Attempt {
  try {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    if (!wasmReady) {
      const dir = packageDir("@tensorflow/tfjs-backend-wasm");
      if (!dir) return "@tensorflow/tfjs-backend-wasm is not installed";
      wasm.setWasmPaths(pathToFileURL(dir + "/dist/").href); // its .wasm files
      registerWasmTrainingKernels();
      wasmReady = true;
    }
    return await activate("wasm");
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Activates `name` (or, for `auto`, the first that works of tfjs-node-gpu, tfjs-node, webgpu,
 * wasm, cpu) and returns the backend actually in use. Missing optional packages are skipped
 * quietly under `auto`; naming one explicitly that cannot start throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * // the trainer passes --backend (default "auto": tfjs-node-gpu, tfjs-node, webgpu, wasm, then cpu)
 * const picked = await selectBackend("wasm");
 * assert.deepEqual([picked, tf.getBackend()], ["wasm", "wasm"]);
 * await selectBackend("cpu");
 * ```
 */
export async function selectBackend(
  name: BackendName,
  log: (msg: string) => void = () => {},
): Promise<Exclude<BackendName, "auto">> {
  const attempts: Record<Exclude<BackendName, "auto">, () => Attempt> = {
    "tfjs-node-gpu": () => tryNode("@tensorflow/tfjs-node-gpu"),
    "tfjs-node": () => tryNode("@tensorflow/tfjs-node"),
    webgpu: () => tryWebgpu(name === "webgpu"),
    wasm: tryWasm,
    cpu: () => activate("cpu"),
  };
  const order = name === "auto" ? (Object.keys(attempts) as Exclude<BackendName, "auto">[]) : [name];
  for (const candidate of order) {
    const attempt = attempts[candidate];
    if (!attempt) throw new Error(`unknown backend "${name}"; use one of ${BACKEND_NAMES.join(", ")}`);
    const failure = await attempt();
    if (failure === null) {
      await tf.ready();
      log(`tfjs backend: ${candidate}${name === "auto" ? " (auto)" : ""}`);
      return candidate;
    }
    if (name !== "auto") {
      throw new Error(
        `backend "${name}" is not available here: ${failure}; install what it needs or use --backend auto`,
      );
    }
  }
  throw new Error("no tfjs backend could start (not even cpu)");
}
