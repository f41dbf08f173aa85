import assert from "node:assert/strict";
import { Hono } from "hono";
import { ApiError, errorBody } from "../http/errors.ts";
import { rateLimit } from "./ratelimit.ts";

function setup(maxClients?: number) {
  let clock = 0;
  const app = new Hono();
  app.use(rateLimit({
    limit: { rps: 1, burst: 2 },
    identify: (c) => c.req.header("x-client") ?? "anon",
    now: () => clock,
    maxClients,
  }));
  app.get("/", (c) => c.text("ok"));
  app.onError((e, c) => c.json(errorBody(e as ApiError), (e as ApiError).status));
  return { app, tick: (ms: number) => void (clock += ms) };
}

const get = (app: Hono, client = "a") => app.request("/", { headers: { "x-client": client } });

Deno.test("rateLimit: burst passes, then 429 JSON with Retry-After; tokens come back with time", async () => {
  const { app, tick } = setup();
  assert.equal((await get(app)).headers.get("ratelimit-remaining"), "1");
  assert.equal((await get(app)).status, 200);
  const refused = await get(app);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.equal((await refused.json()).error.code, "rate_limited");
  tick(400);
  assert.equal((await get(app)).status, 429);
  tick(600);
  assert.equal((await get(app)).status, 200);
});

Deno.test("rateLimit: clients have their own buckets", async () => {
  const { app } = setup();
  for (let i = 0; i < 2; i++) assert.equal((await get(app, "a")).status, 200);
  assert.equal((await get(app, "a")).status, 429);
  assert.equal((await get(app, "b")).status, 200);
});

Deno.test("rateLimit: memory is bounded; a forgotten client starts with a full bucket", async () => {
  const { app } = setup(3);
  for (const id of ["a", "a", "b", "c", "d", "e"]) await get(app, id);
  // "a" was the least recently used and was dropped: it may burst again
  assert.equal((await get(app, "a")).status, 200);
  assert.equal((await get(app, "a")).status, 200);
  assert.equal((await get(app, "a")).status, 429);
});
