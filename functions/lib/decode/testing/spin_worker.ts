/**
 * Test-only decode worker: the real one (`../decode_worker.ts`), except that a job whose bytes end
 * with {@link SPIN} never ends (a busy loop, as a decoder stuck on hostile input would be), and one
 * ending with {@link THROW} raises an uncaught error in the worker. The markers follow a real image,
 * so the HTTP layer accepts the upload. Tests use it through
 * `createDecodePool({ size, workerUrl: SPIN_WORKER })`.
 *
 * @module
 */
import "../decode_worker.ts";

/** This module's URL, for `createDecodePool({ workerUrl })`. */
export const SPIN_WORKER: URL = new URL(import.meta.url);
/** Appended to an image's bytes: the worker spins forever on it. */
export const SPIN: Uint8Array<ArrayBuffer> = new TextEncoder().encode("#SPIN#");
/** Appended to an image's bytes: the worker throws outside any job's error handling. */
export const THROW: Uint8Array<ArrayBuffer> = new TextEncoder().encode("#THROW#");

/**
 * `bytes` followed by `marker`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const b = withMarker(new Uint8Array([1, 2]), SPIN);
 * assert.ok(endsWith(b, SPIN));
 * assert.ok(!endsWith(b, THROW));
 * ```
 */
export function withMarker(bytes: Uint8Array, marker: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length + marker.length);
  out.set(bytes);
  out.set(marker, bytes.length);
  return out;
}

/**
 * Whether `bytes` end with `marker`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(endsWith(new TextEncoder().encode("x#SPIN#"), SPIN));
 * ```
 */
export function endsWith(bytes: Uint8Array, marker: Uint8Array): boolean {
  const o = bytes.length - marker.length;
  return o >= 0 && marker.every((v, i) => bytes[o + i] === v);
}

/**
 * `pool.warm()`, bounded: rejects if the workers have not loaded within `ms` (under `deno test` a
 * worker type-checks its modules as it loads: seconds).
 *
 * @example
 * ```ts
 * import { createDecodePool } from "../pool.ts";
 * const pool = createDecodePool({ size: 1 });
 * await warmWithin(pool); // the worker has loaded
 * await pool.close();
 * ```
 */
export async function warmWithin(pool: { warm(): Promise<void> }, ms = 60_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the decode workers did not load within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([pool.warm(), late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Scope {
  onmessage: ((e: MessageEvent<{ bytes?: Uint8Array }>) => void) | null;
}
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  const scope = globalThis as unknown as Scope;
  const real = scope.onmessage!;
  scope.onmessage = (e) => {
    if (!e.data.bytes) return real(e); // the pool's init message
    if (endsWith(e.data.bytes, SPIN)) {
      for (;;) { /* stuck, as on a hostile image */ }
    }
    if (endsWith(e.data.bytes, THROW)) throw new Error("test worker: thrown on purpose");
    real(e);
  };
}
