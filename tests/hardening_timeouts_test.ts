/**
 * Slow clients against the real server (`serve()` on a random port, raw TCP so the test controls
 * every byte): an upload trickled at a byte at a time is cut at BODY_TIMEOUT_MS with 408
 * `request_timeout` and its connection closed, many of them at once leave the service healthy,
 * and an upload cut off by shutdown is answered 503 `shutting_down`, not 400 `empty_body`.
 * Every wait is bounded; nothing asserts a duration.
 */
import assert from "node:assert/strict";
import { serve } from "../functions/deno.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { TINY_MODEL } from "./helpers/model.ts";

const root = new URL("../", import.meta.url);

function start(env: Record<string, string>) {
  const lines: Record<string, unknown>[] = [];
  const server = serve(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      MODEL: new URL(TINY_MODEL, root).pathname,
      FEEDBACK_DB: ":memory:",
      ...env,
    }),
    (r) => lines.push(r),
    { warmUp: false },
  );
  return { server, lines };
}

/**
 * A raw HTTP/1.1 client that sends the head, then the body a byte at a time every `gapMs`, and
 * reads the answer (head and `Content-Length` bytes of body) within `limitMs` (a bounded wait;
 * status 0: no answer came).
 */
async function trickle(port: number, opts: { path?: string; declared: number; gapMs: number; limitMs: number }) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const enc = new TextEncoder();
  await conn.write(enc.encode(
    `POST ${opts.path ?? "/v1/predict"} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n` +
      `Content-Length: ${opts.declared}\r\n\r\n`,
  ));
  let stop = false;
  let sent = 0;
  const writer = (async () => {
    while (!stop && sent < opts.declared) {
      try {
        await conn.write(new Uint8Array([0x89]));
      } catch {
        return; // the server closed the connection
      }
      sent++;
      await new Promise((r) => setTimeout(r, opts.gapMs));
    }
  })();
  let text = "";
  const complete = () => {
    const head = text.indexOf("\r\n\r\n");
    if (head < 0) return false;
    const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head))?.[1];
    return length !== undefined && new TextEncoder().encode(text.slice(head + 4)).length >= Number(length);
  };
  const timer = setTimeout(() => {
    stop = true;
    try {
      conn.close();
    } catch { /* closed */ }
  }, opts.limitMs);
  try {
    const buf = new Uint8Array(4096);
    while (!complete()) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
    stop = true;
    await writer;
    try {
      conn.close();
    } catch { /* closed */ }
  }
  const status = complete() ? Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0) : 0;
  const body = text.includes("\r\n\r\n") ? text.slice(text.indexOf("\r\n\r\n") + 4) : "";
  return { status, text, body, sent };
}

/** The JSON error code in a (possibly chunked) HTTP/1.1 body. */
function codeOf(body: string): string | undefined {
  return /"code":"([a-z_]+)"/.exec(body)?.[1];
}

Deno.test("slow loris: an upload trickled a byte at a time is cut at BODY_TIMEOUT_MS with 408 request_timeout", async () => {
  const { server, lines } = start({ BODY_TIMEOUT_MS: "400" });
  try {
    await server.ready;
    const r = await trickle(server.port, { declared: 100_000, gapMs: 50, limitMs: 10_000 });
    assert.equal(r.status, 408, `answer: ${JSON.stringify(r.text.slice(0, 400))}`);
    assert.equal(codeOf(r.body), "request_timeout");
    assert.match(r.text, /connection: close/i);
    assert.ok(r.sent < 1000, `cut long before the declared 100,000 bytes (after ${r.sent})`);
    const line = lines.find((l) => l.route === "/v1/predict")!;
    assert.deepEqual([line.status, line.error], [408, "request_timeout"]);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 200);
  } finally {
    await server.shutdown();
  }
});

Deno.test("slow loris: 20 trickled uploads at once are all cut; the service answers throughout", async () => {
  const { server } = start({ BODY_TIMEOUT_MS: "500" });
  try {
    await server.ready;
    const slow = Array.from(
      { length: 20 },
      (_, i) =>
        trickle(server.port, {
          path: i % 2 ? "/v1/explain" : "/v1/predict",
          declared: 50_000,
          gapMs: 100,
          limitMs: 15_000,
        }),
    );
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    assert.equal(health.status, 200, "health answers while the uploads trickle");
    await health.body?.cancel();
    const results = await Promise.all(slow);
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(408));
    assert.ok(results.every((r) => codeOf(r.body) === "request_timeout"));
  } finally {
    await server.shutdown();
  }
});

Deno.test("shutdown: an upload still arriving when the grace period ends is answered 503 shutting_down", async () => {
  const { server, lines } = start({ BODY_TIMEOUT_MS: "0", SHUTDOWN_GRACE_MS: "300" });
  await server.ready;
  const upload = trickle(server.port, { declared: 100_000, gapMs: 50, limitMs: 10_000 });
  await new Promise((r) => setTimeout(r, 300)); // its head is read at once; its body keeps trickling
  await server.shutdown(); // drains for 300 ms, then the runtime cuts the upload
  const r = await upload;
  assert.equal(r.status, 503, `answer: ${JSON.stringify(r.text.slice(0, 400))}`);
  assert.equal(codeOf(r.body), "shutting_down");
  const line = lines.find((l) => l.route === "/v1/predict");
  assert.ok(line, `the cut upload was logged: ${JSON.stringify(lines)}`);
  assert.deepEqual([line.status, line.error], [503, "shutting_down"]);
});
