/**
 * Token buckets, as pure functions of a state and a clock: a bucket holds up to `burst` tokens,
 * refills at `rps` tokens per second, and each request takes one.
 *
 * @module
 */
import type { RateLimitConfig } from "../config.ts";

/** A bucket's state: tokens left at time `at` (ms, from the injected clock). */
export interface Bucket {
  tokens: number;
  at: number;
}

/** What {@link take} decided. */
export type TakeResult =
  | { ok: true; bucket: Bucket; remaining: number }
  | { ok: false; bucket: Bucket; retryAfterMs: number };

/**
 * Refills `bucket` (a new client starts full) up to `now`, then takes one token if there is one.
 * When there is none, `retryAfterMs` says when the next token arrives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const limit = { rps: 1, burst: 2 };
 * let r = take(undefined, 0, limit);
 * assert.ok(r.ok && r.remaining === 1);
 * r = take(r.bucket, 0, limit);
 * assert.ok(r.ok && r.remaining === 0);
 * r = take(r.bucket, 0, limit);
 * assert.ok(!r.ok && r.retryAfterMs === 1000);
 * r = take(r.bucket, 1000, limit);
 * assert.ok(r.ok); // one token refilled
 * ```
 */
export function take(bucket: Bucket | undefined, now: number, limit: RateLimitConfig): TakeResult {
  const refilled = refill(bucket, now, limit);
  if (refilled.tokens >= 1 - 1e-9) {
    const tokens = Math.max(0, refilled.tokens - 1);
    return { ok: true, bucket: { tokens, at: now }, remaining: Math.floor(tokens) };
  }
  // a refusal leaves the bucket as it was (no rounding drift from repeated early retries)
  return {
    ok: false,
    bucket: bucket ?? refilled,
    retryAfterMs: Math.ceil(Math.round(((1 - refilled.tokens) / limit.rps) * 1e6) / 1000),
  };
}

/**
 * The bucket at time `now` (tokens added since its last use, capped at `burst`; a clock that went
 * backwards adds nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(refill({ tokens: 0, at: 0 }, 500, { rps: 4, burst: 10 }), { tokens: 2, at: 500 });
 * ```
 */
export function refill(bucket: Bucket | undefined, now: number, limit: RateLimitConfig): Bucket {
  if (!bucket) return { tokens: limit.burst, at: now };
  const elapsed = Math.max(0, now - bucket.at);
  return { tokens: Math.min(limit.burst, bucket.tokens + (elapsed / 1000) * limit.rps), at: Math.max(now, bucket.at) };
}

/**
 * Whether a bucket would be full by `now` (so it can be forgotten: a fresh bucket is the same).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isFull({ tokens: 0, at: 0 }, 3000, { rps: 1, burst: 3 }), true);
 * assert.equal(isFull({ tokens: 0, at: 0 }, 1000, { rps: 1, burst: 3 }), false);
 * ```
 */
export function isFull(bucket: Bucket, now: number, limit: RateLimitConfig): boolean {
  return refill(bucket, now, limit).tokens >= limit.burst;
}
