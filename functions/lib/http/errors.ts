/**
 * The service's error answers: one JSON shape
 * `{ "error": { "code", "message" }, "requestId" }` for every 4xx/5xx.
 *
 * @module
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ImageDecodeError } from "../../../model/core/mod.ts";

/** Every error code the API answers with (snake_case, stable: clients switch on it). */
export type ErrorCode =
  | "corrupt_image"
  | "empty_body"
  | "missing_image_field"
  | "malformed_multipart"
  | "invalid_json"
  | "invalid_base64"
  | "invalid_body"
  | "body_too_large"
  | "unsupported_media_type"
  | "unsupported_image"
  | "too_many_pixels"
  | "too_small"
  | "too_much_work"
  | "too_many_images"
  | "unauthorized"
  | "not_ready"
  | "cells_unavailable"
  | "explain_unavailable"
  | "not_found"
  | "method_not_allowed"
  | "method_not_implemented"
  | "rate_limited"
  | "timeout"
  | "request_timeout"
  | "invalid_feedback"
  | "prediction_not_found"
  | "store_unavailable"
  | "shutting_down"
  | "internal_error";

/** The JSON body of an error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
  requestId?: string;
}

/**
 * An error with its HTTP status and a message telling the client what to do. Throw it anywhere
 * in a handler; the app's error handler turns it into the JSON answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = new ApiError(400, "empty_body", "the request body is empty; send the image bytes as the body");
 * assert.throws(() => {
 *   throw e;
 * }, { name: "ApiError", status: 400, code: "empty_body" });
 * ```
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const IMAGE_STATUS: Record<ImageDecodeError["code"], ContentfulStatusCode> = {
  corrupt_image: 400,
  unsupported_image: 415,
  too_many_pixels: 422,
  too_small: 422,
  too_much_work: 422,
};

/**
 * Maps anything thrown while handling a request to an {@link ApiError}: ApiErrors pass through,
 * image decoding errors get their 4xx, anything else is a 500 `internal_error` (never caused by
 * user input; the cause is logged, not sent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImageDecodeError } from "../../../model/core/mod.ts";
 * assert.equal(toApiError(new ImageDecodeError("too_small", "image is 3×3")).status, 422);
 * assert.equal(toApiError(new TypeError("bug")).code, "internal_error"); // details stay in the log
 * ```
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ImageDecodeError) return new ApiError(IMAGE_STATUS[err.code] ?? 400, err.code, err.message);
  return new ApiError(500, "internal_error", "unexpected server error; retry, and report the requestId if it persists");
}

/**
 * The JSON body for an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(errorBody(new ApiError(404, "not_found", "no such route"), "abc"), {
 *   error: { code: "not_found", message: "no such route" },
 *   requestId: "abc",
 * });
 * ```
 */
export function errorBody(err: ApiError, requestId?: string): ErrorBody {
  return { error: { code: err.code, message: err.message }, ...(requestId ? { requestId } : {}) };
}
