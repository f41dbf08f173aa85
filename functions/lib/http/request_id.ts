/**
 * Request ids. Every request gets a fresh id issued by the server (a random UUID): it is the
 * audit key of the predictions a request makes, the `requestId` of every answer and log line,
 * and the `X-Request-Id` response header. A client's own `X-Request-Id` never becomes that key
 * (two clients could send the same one); when it is well formed it is kept beside it as
 * `clientRequestId` (audit record, log line) and echoed as `X-Client-Request-Id`.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/** Longest client request id kept (longer ones are dropped, not cut). */
export const MAX_CLIENT_REQUEST_ID = 128;

const CLIENT_ID = new RegExp(`^[A-Za-z0-9._~:/+=@-]{1,${MAX_CLIENT_REQUEST_ID}}$`);

/** Context variables set by {@link requestIds}. */
export interface RequestIdVariables {
  /** Issued by the server for this request (UUID). */
  requestId: string;
  /** The client's `X-Request-Id`, when well formed; `undefined` otherwise. */
  clientRequestId: string | undefined;
}

/**
 * A client's `X-Request-Id` as it is kept: 1–128 characters of letters, digits and
 * `. _ ~ : / + = @ -` (UUIDs, W3C trace ids, `lab-42_abc`); anything else is dropped
 * (`undefined`), never cut or rewritten.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(clientRequestId("lab-42_abc"), "lab-42_abc");
 * assert.equal(clientRequestId(" 7c9e6679-7425-40de-944b-e07fc1f90ae7 "), "7c9e6679-7425-40de-944b-e07fc1f90ae7");
 * assert.equal(clientRequestId("<script>"), undefined);
 * assert.equal(clientRequestId("a".repeat(129)), undefined);
 * assert.equal(clientRequestId(undefined), undefined);
 * ```
 */
export function clientRequestId(header: string | null | undefined): string | undefined {
  const v = header?.trim();
  return v && CLIENT_ID.test(v) ? v : undefined;
}

/**
 * Middleware: sets `requestId` (a new UUID) and `clientRequestId` on the context, and the
 * `X-Request-Id` (and, when the client sent a usable one, `X-Client-Request-Id`) response headers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono<{ Variables: RequestIdVariables }>();
 * app.use(requestIds());
 * app.get("/", (c) => c.json({ requestId: c.get("requestId"), client: c.get("clientRequestId") }));
 * const a = await app.request("/", { headers: { "x-request-id": "same" } });
 * const b = await app.request("/", { headers: { "x-request-id": "same" } });
 * const [ja, jb] = [await a.json(), await b.json()];
 * assert.notEqual(ja.requestId, jb.requestId); // the server's ids never repeat
 * assert.equal(a.headers.get("x-request-id"), ja.requestId);
 * assert.deepEqual([ja.client, a.headers.get("x-client-request-id")], ["same", "same"]);
 * ```
 */
export function requestIds(): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return async (c, next) => {
    const id = crypto.randomUUID();
    const client = clientRequestId(c.req.header("x-request-id"));
    c.set("requestId", id);
    c.set("clientRequestId", client);
    c.header("X-Request-Id", id);
    if (client) c.header("X-Client-Request-Id", client);
    await next();
  };
}
