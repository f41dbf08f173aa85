/**
 * Bearer-key authentication for `/v1/*` when `API_KEYS` is set. Keys are compared in constant
 * time (SHA-256 of both sides, XOR over every configured key, no early exit) and never logged.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/**
 * Middleware: passes when `keys` is empty or `Authorization: Bearer <key>` matches one of them;
 * otherwise 401 `unauthorized` with `WWW-Authenticate: Bearer`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { errorBody, toApiError } from "./errors.ts";
 * const app = new Hono();
 * app.onError((err, c) => c.json(errorBody(toApiError(err)), toApiError(err).status));
 * app.use("/v1/*", apiKeyAuth(["k1", "k2"])); // the service: config.apiKeys (API_KEYS)
 * app.get("/v1/model", (c) => c.json({}));
 * assert.equal((await app.request("/v1/model")).status, 401);
 * assert.equal((await app.request("/v1/model", { headers: { authorization: "Bearer k2" } })).status, 200);
 * ```
 */
export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler {
  const digests = Promise.all(keys.map((k) => keyDigest(k)));
  return async (c, next) => {
    if (keys.length === 0) return await next();
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !(await matchesAny(m[1], await digests))) {
      c.header("WWW-Authenticate", 'Bearer realm="all-screen"');
      throw new ApiError(
        401,
        "unauthorized",
        m
          ? "the API key is not valid; check the key you were given"
          : "send your API key as `Authorization: Bearer <key>`",
      );
    }
    await next();
  };
}

/**
 * SHA-256 of a key, the form keys are compared in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = await keyDigest("k1"); // SHA-256
 * assert.equal(d.length, 32);
 * ```
 */
export async function keyDigest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
}

/**
 * Whether `presented` equals one of the keys whose SHA-256 digests are given, in time that does
 * not depend on where (or whether) they differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const keys = [await keyDigest("k1"), await keyDigest("k2")];
 * assert.equal(await matchesAny("k2", keys), true);
 * assert.equal(await matchesAny("k3", keys), false);
 * ```
 */
export async function matchesAny(presented: string, keyDigests: readonly Uint8Array[]): Promise<boolean> {
  const d = await keyDigest(presented);
  let found = 0;
  for (const k of keyDigests) {
    let diff = 0;
    for (let i = 0; i < d.length; i++) diff |= d[i] ^ k[i];
    found |= diff === 0 ? 1 : 0;
  }
  return found === 1;
}
