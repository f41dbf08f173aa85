import assert from "node:assert/strict";
import { createDrain } from "./drain.ts";

Deno.test("drain: waits for in-flight requests, answers new ones 503 shutting_down", async () => {
  const d = createDrain();
  let finish!: () => void;
  const slow = d.wrap(() => new Promise<Response>((r) => (finish = () => r(new Response("done")))));
  const running = slow(new Request("http://x/"), undefined);
  assert.equal(d.inFlight, 1);
  let drained: boolean | undefined;
  const draining = d.drain(60_000).then((v) => (drained = v));
  const refused = await slow(new Request("http://x/", { headers: { "x-request-id": "r1" } }), undefined);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("connection"), "close");
  const body = await refused.json();
  assert.deepEqual(body.error, {
    code: "shutting_down",
    message: "the server is shutting down; retry on another instance or in a moment",
  });
  // the id is the server's (as in the app), not the client's X-Request-Id
  assert.match(body.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(refused.headers.get("x-request-id"), body.requestId);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(drained, undefined, "still waiting for the slow request");
  finish();
  assert.equal(await (await running).text(), "done");
  await draining;
  assert.equal(drained, true);
});

Deno.test("drain: resolves false after the grace period; a failing handler still counts down", async () => {
  const d = createDrain();
  const failing = d.wrap(() => Promise.reject(new Error("boom")));
  await assert.rejects(failing(new Request("http://x/"), undefined));
  assert.equal(d.inFlight, 0);
  assert.equal(await d.drain(10), true);
  const e = createDrain();
  e.wrap(() => new Promise<Response>(() => {}))(new Request("http://x/"), undefined);
  assert.equal(await e.drain(10), false);
});
