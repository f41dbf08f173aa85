/**
 * End to end over real HTTP: the Deno entry serving on a free port, in-process and as a
 * spawned `deno run functions/deno.ts` (cold start, graceful SIGTERM shutdown).
 */
import assert from "node:assert/strict";
import { serve } from "../functions/deno.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { TINY_MODEL } from "./helpers/model.ts";
import { fixture } from "./helpers/images.ts";

const root = new URL("../", import.meta.url);

Deno.test("HTTP (in-process Deno.serve on port 0): ready, predict, batch, limits, shutdown", async () => {
  const lines: Record<string, unknown>[] = [];
  const server = serve(
    loadConfig({ PORT: "0", HOST: "127.0.0.1", MODEL: new URL(TINY_MODEL, root).pathname, MAX_BODY_BYTES: "2000000" }),
    (r) => lines.push(r),
  );
  try {
    await server.ready;
    const base = `http://127.0.0.1:${server.port}`;
    assert.equal((await (await fetch(`${base}/readyz`)).json()).status, "ready");
    const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
    const res = await fetch(`${base}/v1/predict`, {
      method: "POST",
      body: bmp,
      headers: { "content-type": "image/bmp" },
    });
    assert.equal(res.status, 200);
    const p = await res.json();
    assert.equal(p.requestId, res.headers.get("x-request-id"));
    assert.equal(p.input.width, 450);

    const form = new FormData();
    form.append("image", new Blob([bmp]), "a.bmp");
    form.append(
      "image",
      new Blob([await fixture("taleqani_Benign_WBC-Benign-001.jpg")], { type: "image/jpeg" }),
      "b.jpg",
    );
    const batch = await (await fetch(`${base}/v1/predict/batch`, { method: "POST", body: form })).json();
    assert.equal(batch.results.length, 2);
    assert.equal(batch.results[0].scores.all, p.scores.all);

    // streamed body without Content-Length, over the limit
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 40; i++) ctl.enqueue(new Uint8Array(64 * 1024));
        ctl.close();
      },
    });
    const big = await fetch(`${base}/v1/predict`, {
      method: "POST",
      body: stream,
      headers: { "content-type": "image/png" },
    });
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error.code, "body_too_large");
    assert.equal((await fetch(`${base}/healthz`)).status, 200, "still up after a rejected upload");

    const line = lines.find((l) => l.requestId === p.requestId)!;
    assert.equal(line.inputSha256, p.input.sha256);
    assert.ok(!JSON.stringify(lines).includes("a.bmp"), "file names are never logged");
    assert.ok(lines.some((l) => l.event === "model_ready" && typeof l.coldStartMs === "number"));
  } finally {
    await server.shutdown();
  }
  await server.finished;
});

Deno.test("HTTP (spawned deno run functions/deno.ts): logs JSON lines, serves, stops on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "functions/deno.ts"],
    cwd: root.pathname,
    env: { PORT: "0", HOST: "127.0.0.1", MODEL: TINY_MODEL },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextEvent = async (event: string) => {
    while (!lines.some((l) => l.event === event)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server exited before "${event}"`);
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
    }
    return lines.find((l) => l.event === event)!;
  };
  try {
    const listening = await nextEvent("listening");
    await nextEvent("model_ready");
    const base = `http://127.0.0.1:${listening.port}`;
    const res = await fetch(`${base}/v1/predict`, {
      method: "POST",
      body: await fixture("cnmc_hem_UID_H10_100_1_hem.png"),
      headers: { "content-type": "image/png", "x-request-id": "e2e-1" },
    });
    assert.equal(res.status, 200);
    const { requestId } = await res.json();
    assert.notEqual(requestId, "e2e-1", "the audit id is the server's");
    const logged = await (async () => {
      const deadline = Date.now() + 10_000; // bounded: the line is written before the answer
      while (!lines.some((l) => l.requestId === requestId)) {
        if (Date.now() > deadline) throw new Error(`no log line for ${requestId}: ${JSON.stringify(lines)}`);
        const { value, done } = await reader.read();
        if (done) throw new Error("server exited before logging the request");
        buffered += value ?? "";
        const parts = buffered.split("\n");
        buffered = parts.pop()!;
        for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
      }
      return lines.find((l) => l.requestId === requestId)!;
    })();
    assert.equal(logged.clientRequestId, "e2e-1");
    assert.equal(logged.route, "/v1/predict");
    assert.equal(logged.status, 200);
    assert.equal(logged.modelVersion, "0.0.0");
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0, "graceful exit on SIGTERM");
    await nextEvent("shutdown").catch(() => undefined);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await reader.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    await child.status;
  }
});
