/**
 * Rate limiting middleware: one token bucket per client identity (API key or address), kept in
 * memory (per process / per Workers isolate), answering 429 `rate_limited` with `Retry-After`.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { RateLimitConfig } from "../config.ts";
import { ApiError } from "../http/errors.ts";
import { type Bucket, isFull, take } from "./bucket.ts";

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  limit: RateLimitConfig;
  /** The identity a request is counted against. */
  identify: (c: Context) => string | Promise<string>;
  /** Clock in ms (tests inject one). Default `performance.now`. */
  now?: () => number;
  /** Most identities remembered; past it full buckets, then the least recently used, are dropped. */
  maxClients?: number;
}

/**
 * Middleware: takes a token for the request's identity or answers 429 with `Retry-After`
 * (whole seconds, at least 1). Successful answers carry `RateLimit-Remaining`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { clientAddress } from "../http/client.ts";
 * import { errorBody, toApiError } from "../http/errors.ts";
 * const app = new Hono();
 * app.onError((err, c) => c.json(errorBody(toApiError(err)), toApiError(err).status));
 * app.use("/v1/*", rateLimit({ limit: { rps: 1, burst: 2 }, identify: (c) => clientAddress(c), now: () => 0 }));
 * app.get("/v1/model", (c) => c.json({}));
 * const statuses = [];
 * for (let i = 0; i < 3; i++) statuses.push((await app.request("/v1/model")).status);
 * assert.deepEqual(statuses, [200, 200, 429]); // a burst of 2, then wait
 * ```
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler {
  const now = opts.now ?? (() => performance.now());
  const maxClients = opts.maxClients ?? 100_000;
  const buckets = new Map<string, Bucket>();
  const evict = (t: number) => {
    for (const [k, b] of buckets) if (isFull(b, t, opts.limit)) buckets.delete(k);
    // Map iteration is insertion order and used buckets are re-inserted: the first is the oldest
    for (const k of buckets.keys()) {
      if (buckets.size < maxClients) break;
      buckets.delete(k);
    }
  };
  return async (c, next) => {
    const id = await opts.identify(c);
    const t = now();
    const r = take(buckets.get(id), t, opts.limit);
    buckets.delete(id);
    if (buckets.size >= maxClients) evict(t);
    buckets.set(id, r.bucket);
    if (!r.ok) {
      c.header("Retry-After", String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))));
      throw new ApiError(
        429,
        "rate_limited",
        `too many requests: this client may send ${opts.limit.rps} per second (bursts of ${opts.limit.burst}); wait for Retry-After seconds, then retry`,
      );
    }
    c.header("RateLimit-Remaining", String(r.remaining));
    await next();
  };
}
