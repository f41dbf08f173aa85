/**
 * A time budget for the expensive part of a request (decode + inference): past it the client gets
 * 503 `timeout` at once instead of waiting (a slow server is not the client's fault, so not a 4xx).
 *
 * @module
 */
import { ApiError } from "./errors.ts";

/**
 * The error a request answers with when its budget runs out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = budgetExceeded(10_000);
 * assert.deepEqual([e.status, e.code], [503, "timeout"]);
 * ```
 */
export function budgetExceeded(ms: number): ApiError {
  return new ApiError(
    503,
    "timeout",
    `the server could not decode and classify the image within its ${ms} ms budget (it is busy or the image is very large); retry later or send a smaller image`,
  );
}

/**
 * Runs `work` with an AbortSignal that is aborted after `ms` (0: no budget). Rejects with
 * {@link budgetExceeded} as soon as the budget runs out, even while `work` is still pending;
 * `work` should check the signal between stages to stop early (synchronous code in between cannot
 * be interrupted, which is why the pixel limit bounds each decode).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiError } from "./errors.ts";
 * // the service: withBudget(config.requestBudgetMs, (signal) => predictImage(runtime, image, { ...limits, signal }))
 * const fast = await withBudget(1000, () => Promise.resolve(42));
 * assert.equal(fast, 42);
 * const slow = (signal: AbortSignal) =>
 *   new Promise<number>((resolve, reject) => {
 *     const t = setTimeout(() => resolve(1), 1000);
 *     signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)));
 *   });
 * await assert.rejects(withBudget(10, slow), (e) => e instanceof ApiError && e.code === "timeout");
 * ```
 */
export async function withBudget<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (ms <= 0) return await work(new AbortController().signal);
  const ctl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = budgetExceeded(ms);
      ctl.abort(err);
      reject(err);
    }, ms);
  });
  const running = work(ctl.signal);
  // once the budget has answered, a late failure of the abandoned work must not go unhandled
  running.catch(() => {});
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
