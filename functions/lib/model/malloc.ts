/**
 * glibc malloc tuning for the Deno entry, done in-process with FFI so that it needs no wrapper
 * script or environment variable. By default glibc raises its mmap threshold each time a large
 * block is freed, so the service's per-request buffers (a 600 kB upload, tensors, ort's outputs)
 * end up on the brk heap, where freed memory is rarely given back: RSS grew by ~35 MB over 100
 * requests. A fixed mmap threshold (large blocks always mmapped, unmapped when freed) and a
 * lower trim threshold keep it flat. Equivalent to `MALLOC_MMAP_THRESHOLD_=65536
 * MALLOC_TRIM_THRESHOLD_=1048576` in the environment.
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
export const SERVICE_MALLOC: MallocTuning = { mmapThreshold: 64 * 1024, trimThreshold: 1024 * 1024 };

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
