/**
 * glibc malloc tuning for the Deno entry, done in-process with FFI so that it needs no wrapper
 * script or environment variable. glibc starts with a 128 kB mmap threshold and raises it each
 * time an mmapped block is freed, up to that block's size: once the 14 MB ort wasm bytes are
 * dropped after compiling, every later buffer up to 14 MB (uploads, tensors) lands on the brk
 * heap, where freed memory is rarely given back. A fixed 1 MiB threshold keeps the big one-off
 * start-up buffers (wasm, model) mmapped, so they are returned to the system, while per-request
 * buffers (a 600 kB upload) still come from the heap's free lists. Measured on the stand-in
 * model: RSS at ready about -15 MB; p50 unchanged. (A 64 kB threshold kept RSS flattest but made
 * every request mmap/munmap its buffers: +2 ms p50.) Equivalent to
 * `MALLOC_MMAP_THRESHOLD_=1048576 MALLOC_TRIM_THRESHOLD_=1048576` in the environment.
 *
 * Freed memory in the middle of glibc's heaps (and in the arenas of V8's compile threads) stays
 * resident until `malloc_trim` hands it back ({@link trimMalloc}: 3–6 ms; ort's start-up leaves
 * ~20 MB of it, RSS at ready ~127 → ~105 MB), and buffers that outlived a young-generation GC
 * (uploads awaited across a prediction) are freed only by a full GC. {@link releaseMemory} does
 * both (~20 ms), so the entry runs it through {@link idleTrimmer}: a second after ready and after
 * each burst of requests, once the service has gone quiet, never on the request path.
 *
 * Best effort: anything but Linux/glibc, or no FFI permission, leaves malloc as it is.
 *
 * @module
 */

/** `mallopt` parameters (glibc `malloc.h`). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;

/** What {@link tuneMalloc} sets. */
export interface MallocTuning {
  /** Blocks at least this large are mmapped (and unmapped when freed). */
  mmapThreshold: number;
  /** Free memory at the top of the heap beyond this is returned to the system. */
  trimThreshold: number;
}

/** The values the service uses. */
export const SERVICE_MALLOC: MallocTuning = { mmapThreshold: 1024 * 1024, trimThreshold: 1024 * 1024 };

/**
 * Applies `tuning` with glibc's `mallopt`; returns whether it was applied (false on other
 * systems, without `--allow-ffi`, or when glibc refuses a value).
 *
 * @example
 * ```ts
 * const applied = tuneMalloc(SERVICE_MALLOC); // true on Linux/glibc under `deno run -A`, false elsewhere
 * if (typeof applied !== "boolean") throw new Error("tuneMalloc answers whether it applied the tuning");
 * ```
 */
export function tuneMalloc(tuning: MallocTuning = SERVICE_MALLOC): boolean {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (!deno || deno.build.os !== "linux" || typeof deno.dlopen !== "function") return false;
  try {
    const lib = deno.dlopen("libc.so.6", { mallopt: { parameters: ["i32", "i32"], result: "i32" } });
    try {
      // mallopt returns 1 on success, 0 on error.
      const a = lib.symbols.mallopt(M_MMAP_THRESHOLD, tuning.mmapThreshold);
      const b = lib.symbols.mallopt(M_TRIM_THRESHOLD, tuning.trimThreshold);
      return a === 1 && b === 1;
    } finally {
      lib.close();
    }
  } catch {
    return false; // not glibc, or no FFI permission
  }
}

type TrimLib = { symbols: { malloc_trim(pad: bigint): number } };
let trimLib: TrimLib | null | undefined;

/**
 * Returns freed heap memory to the system (glibc `malloc_trim(0)`); returns whether glibc
 * released any (false also on other systems or without FFI permission).
 *
 * @example
 * ```ts
 * const released = trimMalloc(); // after start-up, or when idle
 * if (typeof released !== "boolean") throw new Error("trimMalloc answers whether memory was released");
 * ```
 */
export function trimMalloc(): boolean {
  if (trimLib === undefined) {
    const deno = (globalThis as { Deno?: typeof Deno }).Deno;
    try {
      trimLib = deno && deno.build.os === "linux" && typeof deno.dlopen === "function"
        ? deno.dlopen("libc.so.6", { malloc_trim: { parameters: ["usize"], result: "i32" } }) as unknown as TrimLib
        : null;
    } catch {
      trimLib = null; // not glibc, or no FFI permission
    }
  }
  return trimLib ? trimLib.symbols.malloc_trim(0n) === 1 : false;
}

/**
 * A full garbage collection where the runtime exposes one (`--v8-flags=--expose-gc`, as the
 * `start` task runs), a short wait for V8 to free the dead buffers, then {@link trimMalloc};
 * resolves to what `trimMalloc` returned.
 *
 * @example
 * ```ts
 * const released = await releaseMemory(); // when the service is idle
 * if (typeof released !== "boolean") throw new Error("releaseMemory answers whether memory was released");
 * ```
 */
export async function releaseMemory(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    // V8 frees dead ArrayBuffers' memory on a background thread after the GC: let it finish
    await new Promise((resolve) => unrefTimer(setTimeout(resolve, SWEEP_WAIT_MS)));
  }
  return trimMalloc();
}

/** How long {@link releaseMemory} gives V8's background sweeping before trimming. */
const SWEEP_WAIT_MS = 100;

/** Lets a timer not keep the process alive (Deno); a no-op elsewhere. */
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(timer as unknown as number);
}

/** What {@link idleTrimmer} returns. */
export interface IdleTrimmer {
  /** Call at the end of every request: (re)arms the quiet-period timer. */
  touch(): void;
  /** Cancels a pending trim. */
  stop(): void;
}

/**
 * Runs `trim` once the service has been quiet for `quietMs` after a request (debounced: a steady
 * stream of requests never triggers it). The timer never keeps the process alive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let trims = 0;
 * const trimmer = idleTrimmer(20, () => trims++); // the service: idleTrimmer(1000), trimming with releaseMemory
 * const app = { fetch: (_req: Request) => new Response("ok") };
 * const handler = async (req: Request) => {
 *   try {
 *     return await app.fetch(req);
 *   } finally {
 *     trimmer.touch();
 *   }
 * };
 * await handler(new Request("http://x/"));
 * await handler(new Request("http://x/"));
 * await new Promise((r) => setTimeout(r, 60));
 * assert.equal(trims, 1); // once, after the burst went quiet
 * trimmer.stop();
 * ```
 */
export function idleTrimmer(quietMs: number, trim: () => unknown = releaseMemory): IdleTrimmer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    touch() {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        trim();
      }, quietMs);
      unrefTimer(timer);
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
