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
  assert.deepEqual(await refused.json(), {
    error: { code: "shutting_down", message: "the server is shutting down; retry on another instance or in a moment" },
    requestId: "r1",
  });
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
