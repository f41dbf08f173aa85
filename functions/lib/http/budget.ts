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
 * `work` should check the signal between stages to stop early; synchronous code in between cannot
 * be interrupted, which is why decoding runs in the decode pool's workers (`../decode/pool.ts`),
 * which terminates the worker of a job whose signal aborts.
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
export function withBudget<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return startBudget(ms).run(work);
}

/** A time budget started once and shared by several pieces of work (see {@link startBudget}). */
export interface Budget {
  /**
   * Runs `work` with what is left of the budget, as {@link withBudget} does; once it is spent,
   * rejects with {@link budgetExceeded} without starting `work`.
   */
  run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Milliseconds left (`Infinity` without a budget, 0 once spent). */
  remainingMs(): number;
}

/**
 * Starts a budget of `ms` (0: none) that several steps share: a batch's images each run with what
 * the previous ones left, so the whole batch is answered within the budget, and the images after
 * it is spent are refused with 503 `timeout` without being decoded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiError } from "./errors.ts";
 * // /v1/predict/batch: const budget = startBudget(config.requestBudgetMs); then budget.run(...) per image
 * const budget = startBudget(30);
 * assert.equal(await budget.run(() => Promise.resolve("first")), "first");
 * const hang = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
 * await assert.rejects(budget.run(hang), (e) => e instanceof ApiError && e.code === "timeout");
 * assert.equal(budget.remainingMs(), 0);
 * let started = false;
 * await assert.rejects(budget.run(() => (started = true, Promise.resolve(1))), (e) => e instanceof ApiError && e.code === "timeout");
 * assert.equal(started, false);
 * ```
 */
export function startBudget(ms: number): Budget {
  const deadline = ms > 0 ? performance.now() + ms : Infinity;
  const remainingMs = () => Math.max(0, deadline - performance.now());
  return {
    remainingMs,
    async run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
      if (ms <= 0) return await work(new AbortController().signal);
      const left = remainingMs();
      if (left <= 0) throw budgetExceeded(ms);
      const ctl = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = budgetExceeded(ms);
          ctl.abort(err);
          reject(err);
        }, left);
      });
      const running = work(ctl.signal);
      // once the budget has answered, a late failure of the abandoned work must not go unhandled
      running.catch(() => {});
      try {
        return await Promise.race([running, expired]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
