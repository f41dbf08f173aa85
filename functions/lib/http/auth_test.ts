import assert from "node:assert/strict";
import { Hono } from "hono";
import { apiKeyAuth } from "./auth.ts";
import { errorBody, toApiError } from "./errors.ts";

function setup(limit: { rps: number; burst: number }) {
  let clock = 0;
  const app = new Hono();
  app.onError((err, c) => c.json(errorBody(toApiError(err)), toApiError(err).status));
  app.use(
    "/v1/*",
    apiKeyAuth(["right"], { limit, identify: (c) => c.req.header("x-client") ?? "anon", now: () => clock }),
  );
  app.get("/v1/model", (c) => c.json({}));
  const get = async (key: string, client = "a") => {
    const res = await app.request("/v1/model", { headers: { authorization: `Bearer ${key}`, "x-client": client } });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), code: (await res.json()).error?.code };
  };
  return { get, tick: (ms: number) => void (clock += ms) };
}

Deno.test("apiKeyAuth: failures refill with time; successes never use up the failure budget", async () => {
  const { get, tick } = setup({ rps: 1 / 10, burst: 2 }); // 2 failures, then one more every 10 s
  for (let i = 0; i < 20; i++) assert.equal((await get("right")).status, 200, "right keys are never counted");
  assert.equal((await get("w1")).status, 401);
  assert.equal((await get("w2")).status, 401);
  const locked = await get("right");
  assert.deepEqual([locked.status, locked.code, locked.retryAfter], [429, "rate_limited", "10"]);
  tick(4000);
  assert.equal((await get("w3")).retryAfter, "6", "Retry-After counts down");
  tick(6000);
  assert.equal((await get("right")).status, 200, "one attempt is allowed again after the window");
  assert.equal((await get("w4")).status, 401);
  assert.equal((await get("right")).status, 429);
  assert.equal((await get("right", "b")).status, 200, "another client has its own budget");
});

Deno.test("apiKeyAuth: without a failure limit wrong keys are only ever 401", async () => {
  const app = new Hono();
  app.onError((err, c) => c.json(errorBody(toApiError(err)), toApiError(err).status));
  app.use("/v1/*", apiKeyAuth(["right"]));
  app.get("/v1/model", (c) => c.json({}));
  for (let i = 0; i < 50; i++) {
    assert.equal((await app.request("/v1/model", { headers: { authorization: `Bearer w${i}` } })).status, 401);
  }
});
