/**
 * HTTP method names a client can make up: only the standard methods (RFC 9110, plus PATCH) are
 * served or counted by name; anything else is answered 501 `method_not_implemented` before any
 * work, and counted and labelled as one method, `OTHER`, so no client can add a metrics series.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/** The methods known by name (every other name is `OTHER`). */
export const STANDARD_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

/**
 * The label a request's method is counted under: its name when standard, else `OTHER`
 * (a bounded set of at most 10 values, whatever clients send).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(methodLabel("POST"), "POST");
 * assert.equal(methodLabel("XJ7-FROBNICATE"), "OTHER");
 * assert.equal(methodLabel("post"), "OTHER"); // method names are case-sensitive
 * ```
 */
export function methodLabel(method: string): string {
  return STANDARD_METHODS.has(method) ? method : "OTHER";
}

/**
 * Middleware: a request whose method is not a standard one is answered 501
 * `method_not_implemented` at once (no route, key or body is looked at). Standard methods a route
 * does not accept are left to the routes (405 with `Allow`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { errorBody, toApiError } from "./errors.ts";
 * const app = new Hono();
 * app.onError((err, c) => c.json(errorBody(toApiError(err)), toApiError(err).status));
 * app.use(rejectUnknownMethods()); // the service mounts it before keys and rate limits
 * app.get("/healthz", (c) => c.text("ok"));
 * const res = await app.request("/healthz", { method: "BREW" });
 * assert.equal(res.status, 501);
 * assert.equal((await res.json()).error.code, "method_not_implemented");
 * assert.equal((await app.request("/healthz")).status, 200);
 * ```
 */
export function rejectUnknownMethods(): MiddlewareHandler {
  return async (c, next) => {
    if (!STANDARD_METHODS.has(c.req.method)) {
      throw new ApiError(
        501,
        "method_not_implemented",
        "this server does not implement that HTTP method; use GET or POST (see GET /docs for the API)",
      );
    }
    await next();
  };
}
