/**
 * Rate limiting middleware: one token bucket per client identity (API key or address), kept in
 * memory (per process / per Workers isolate), answering 429 `rate_limited` with `Retry-After`.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { RateLimitConfig } from "../config.ts";
import { ApiError } from "../http/errors.ts";
import { type Bucket, isFull, refill, take, type TakeResult } from "./bucket.ts";

/** Options of {@link rateLimit}. */
export interface RateLimitOptions extends BucketsOptions {
  limit: RateLimitConfig;
  /** The identity a request is counted against. */
  identify: (c: Context) => string | Promise<string>;
}

/** Options of {@link createBuckets}. */
export interface BucketsOptions {
  /** Clock in ms (tests inject one). Default `performance.now`. */
  now?: () => number;
  /** Most identities remembered; past it full buckets, then the least recently used, are dropped. */
  maxClients?: number;
}

/** Token buckets by identity, in bounded memory. */
export interface Buckets {
  /** Takes a token from `id`'s bucket (a new identity starts full), or says when one comes back. */
  take(id: string): TakeResult;
  /** When `id` will have a token again: 0 when it has one now (nothing is taken). */
  waitMs(id: string): number;
}

/**
 * A set of token buckets, one per identity, remembering at most `maxClients` identities
 * (default 100,000): past it, full buckets are forgotten first (a new one is the same), then the
 * least recently used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let t = 0;
 * const buckets = createBuckets({ rps: 1, burst: 2 }, { now: () => t }); // the service: config.rateLimit
 * assert.ok(buckets.take("ip:10.0.0.1").ok && buckets.take("ip:10.0.0.1").ok);
 * assert.equal(buckets.take("ip:10.0.0.1").ok, false);
 * assert.equal(buckets.waitMs("ip:10.0.0.1"), 1000);
 * assert.equal(buckets.waitMs("ip:10.0.0.2"), 0); // another identity, its own bucket
 * t = 1000;
 * assert.equal(buckets.take("ip:10.0.0.1").ok, true);
 * ```
 */
export function createBuckets(limit: RateLimitConfig, opts: BucketsOptions = {}): Buckets {
  const now = opts.now ?? (() => performance.now());
  const maxClients = opts.maxClients ?? 100_000;
  const buckets = new Map<string, Bucket>();
  const evict = (t: number) => {
    for (const [k, b] of buckets) if (isFull(b, t, limit)) buckets.delete(k);
    // Map iteration is insertion order and used buckets are re-inserted: the first is the oldest
    for (const k of buckets.keys()) {
      if (buckets.size < maxClients) break;
      buckets.delete(k);
    }
  };
  return {
    take(id) {
      const t = now();
      const r = take(buckets.get(id), t, limit);
      buckets.delete(id);
      if (buckets.size >= maxClients) evict(t);
      buckets.set(id, r.bucket);
      return r;
    },
    waitMs(id) {
      const b = buckets.get(id);
      if (!b) return 0;
      const tokens = refill(b, now(), limit).tokens;
      return tokens >= 1 - 1e-9 ? 0 : Math.ceil(Math.round(((1 - tokens) / limit.rps) * 1e6) / 1000);
    },
  };
}

/**
 * `Retry-After` in whole seconds (at least 1) for a wait in ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([retryAfterSeconds(1), retryAfterSeconds(1000), retryAfterSeconds(1001)], ["1", "1", "2"]);
 * ```
 */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
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
  const buckets = createBuckets(opts.limit, opts);
  return async (c, next) => {
    const r = buckets.take(await opts.identify(c));
    if (!r.ok) {
      c.header("Retry-After", retryAfterSeconds(r.retryAfterMs));
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
