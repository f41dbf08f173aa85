/**
 * Readiness: the app gets its model as a value or a promise (Deno starts serving while the model
 * loads); this tracks which it is.
 *
 * @module
 */
import type { ModelRuntime } from "../../../model/core/mod.ts";
import { ApiError } from "../http/errors.ts";

/** The model as the routes see it. */
export interface ModelState {
  /** The runtime when loaded, else `undefined`. */
  readonly current: ModelRuntime | undefined;
  /** Why loading failed, if it did. */
  readonly error: Error | undefined;
  /** Settles when loading finishes (either way). */
  readonly settled: Promise<void>;
  /** The runtime, or a 503 `not_ready` ApiError to throw. */
  require(): ModelRuntime;
}

/**
 * Wraps a runtime or a pending runtime. A failed load is reported to `onError` once and leaves
 * the service not ready (503) instead of crashing it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * import { ApiError } from "../http/errors.ts";
 * const state = createModelState(loadModelFile("tests/fixtures/models/tiny.int8.onnx"), console.error);
 * assert.throws(() => state.require(), ApiError); // 503 not_ready while loading
 * await state.settled;
 * assert.equal(state.require().card.id, "tiny-test");
 * await state.current?.close();
 *
 * const failed = createModelState(Promise.reject(new Error("no such model")));
 * await failed.settled;
 * assert.equal(failed.error?.message, "no such model");
 * ```
 */
export function createModelState(
  model: ModelRuntime | Promise<ModelRuntime>,
  onError: (err: Error) => void = () => {},
): ModelState {
  let current: ModelRuntime | undefined = isPromise(model) ? undefined : model;
  let error: Error | undefined;
  const settled = Promise.resolve(model).then(
    (m) => {
      current = m;
    },
    (err) => {
      error = err instanceof Error ? err : new Error(String(err));
      onError(error);
    },
  );
  return {
    get current() {
      return current;
    },
    get error() {
      return error;
    },
    settled,
    require() {
      if (current) return current;
      throw new ApiError(
        503,
        "not_ready",
        error
          ? "the model failed to load, so the service cannot answer; the operator must check the server log and restart"
          : "the model is still loading; retry in a few seconds (GET /readyz answers 200 when ready)",
      );
    },
  };
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown })?.then === "function";
}
