import assert from "node:assert/strict";
import { isFull, refill, take } from "./bucket.ts";

Deno.test("take: a new client gets `burst` requests at once, then one per 1/rps seconds", () => {
  const limit = { rps: 2, burst: 3 };
  let b = undefined;
  for (let i = 0; i < 3; i++) {
    const r = take(b, 0, limit);
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.remaining, 2 - i);
    b = r.bucket;
  }
  const refused = take(b, 0, limit);
  assert.deepEqual(refused.ok ? null : refused.retryAfterMs, 500);
  assert.equal(take(refused.bucket, 499, limit).ok, false);
  const later = take(refused.bucket, 500, limit);
  assert.equal(later.ok, true);
  assert.equal(take(later.bucket, 500, limit).ok, false);
});

Deno.test("take: a refused request takes nothing (retrying early does not push the wait back)", () => {
  const limit = { rps: 1, burst: 1 };
  let b = take(undefined, 0, limit).bucket;
  for (const t of [100, 200, 900]) {
    const r = take(b, t, limit);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? 0 : r.retryAfterMs, 1000 - t);
    b = r.bucket;
  }
  assert.equal(take(b, 1000, limit).ok, true);
});

Deno.test("refill: capped at burst; fractional rates; a clock going backwards adds nothing", () => {
  assert.deepEqual(refill({ tokens: 0, at: 0 }, 60_000, { rps: 1, burst: 5 }), { tokens: 5, at: 60_000 });
  assert.deepEqual(refill({ tokens: 0, at: 0 }, 1000, { rps: 0.5, burst: 5 }), { tokens: 0.5, at: 1000 });
  assert.deepEqual(refill({ tokens: 1, at: 1000 }, 0, { rps: 10, burst: 5 }), { tokens: 1, at: 1000 });
  const r = take({ tokens: 0, at: 0 }, 0, { rps: 0.5, burst: 1 });
  assert.equal(r.ok ? 0 : r.retryAfterMs, 2000);
});

Deno.test("isFull: a bucket can be dropped once it has refilled", () => {
  const limit = { rps: 1, burst: 3 };
  assert.equal(isFull({ tokens: 0, at: 0 }, 2999, limit), false);
  assert.equal(isFull({ tokens: 0, at: 0 }, 3000, limit), true);
});
