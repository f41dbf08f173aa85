/**
 * Bearer-key authentication for `/v1/*` when `API_KEYS` is set. Keys are compared in constant
 * time (SHA-256 of both sides, XOR over every configured key, no early exit) and never logged.
 * Failed attempts are rate limited per client: after `AUTH_FAILURE_LIMIT` failures in
 * `AUTH_FAILURE_WINDOW_S` the client gets 429 for every request, right key or not (so a guess
 * cannot be told apart while it is locked out), until the window lets another attempt through.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { RateLimitConfig } from "../config.ts";
import { createBuckets, retryAfterSeconds } from "../ratelimit/ratelimit.ts";
import { ApiError } from "./errors.ts";

/** Rate limit of failed authentications (a token bucket per client: `burst` failures, refilled at `rps`). */
export interface AuthFailureLimit {
  limit: RateLimitConfig;
  /** The client a failure is counted against (the service: its address, never the presented key). */
  identify: (c: Context) => string | Promise<string>;
  /** Clock in ms (tests inject one). Default `performance.now`. */
  now?: () => number;
  /** Most clients remembered (default 100,000). */
  maxClients?: number;
}

/**
 * Middleware: passes when `keys` is empty or `Authorization: Bearer <key>` matches one of them;
 * otherwise 401 `unauthorized` with `WWW-Authenticate: Bearer`. With `failures`, a client whose
 * failure bucket is empty gets 429 `rate_limited` with `Retry-After` before its key is looked at.
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
 *
 * // failures limited per client: 2 wrong keys, then 429 even for the right key
 * const limited = new Hono();
 * limited.onError((err, c) => c.json(errorBody(toApiError(err)), toApiError(err).status));
 * const failures = { limit: { rps: 1 / 60, burst: 2 }, identify: () => "ip:203.0.113.7", now: () => 0 };
 * limited.use("/v1/*", apiKeyAuth(["k1"], failures)); // the service: AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_S
 * limited.get("/v1/model", (c) => c.json({}));
 * const statuses = [];
 * for (const key of ["x1", "x2", "x3", "k1"]) {
 *   statuses.push((await limited.request("/v1/model", { headers: { authorization: `Bearer ${key}` } })).status);
 * }
 * assert.deepEqual(statuses, [401, 401, 429, 429]);
 * ```
 */
export function apiKeyAuth(keys: readonly string[], failures?: AuthFailureLimit): MiddlewareHandler {
  const digests = Promise.all(keys.map((k) => keyDigest(k)));
  const failed = failures && createBuckets(failures.limit, failures);
  const lockedOut = (waitMs: number) =>
    new ApiError(
      429,
      "rate_limited",
      `too many failed authentications from this client; wait ${
        retryAfterSeconds(waitMs)
      } s (Retry-After), then retry with a valid key`,
    );
  return async (c, next) => {
    if (keys.length === 0) return await next();
    const who = failures ? await failures.identify(c) : undefined;
    const refuseIfLockedOut = () => {
      const wait = failed && who !== undefined ? failed.waitMs(who) : 0;
      if (wait > 0) {
        c.header("Retry-After", retryAfterSeconds(wait));
        throw lockedOut(wait);
      }
    };
    refuseIfLockedOut(); // no key is even looked at while locked out
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const ok = m !== null && (await matchesAny(m[1], await digests));
    // decided after the last await, so concurrent guesses cannot all pass the check before
    // any of them is counted: past the limit every answer is 429, right key or not
    refuseIfLockedOut();
    if (!ok) {
      if (failed && who !== undefined) failed.take(who);
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
