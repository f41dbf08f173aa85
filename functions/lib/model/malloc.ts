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
 * tuneMalloc(SERVICE_MALLOC); // true on Linux/glibc under `deno run -A`
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
