/**
 * The real server process (`deno run --unstable-kv functions/deno.ts`) with its Deno KV store:
 * every acknowledged (201) feedback record survives a SIGKILL mid-stream, and SIGTERM lets a slow
 * in-flight request finish (new ones get 503 `shutting_down`), then exits and closes the store.
 */
import assert from "node:assert/strict";
import { TINY_MODEL } from "./helpers/model.ts";
import { fixture } from "./helpers/images.ts";

const root = new URL("../", import.meta.url).pathname;

interface Spawned {
  base: string;
  port: number;
  child: Deno.ChildProcess;
  lines: Record<string, unknown>[];
  waitFor(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function spawnServer(db: string): Promise<Spawned> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", "functions/deno.ts"],
    cwd: root,
    env: { PORT: "0", HOST: "127.0.0.1", MODEL: TINY_MODEL, FEEDBACK_DB: db },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  (async () => {
    let buf = "";
    for await (const s of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += s;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
      waiters.splice(0).forEach((w) => w());
    }
    waiters.splice(0).forEach((w) => w());
  })();
  let exited = false;
  child.status.then(() => (exited = true));
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean) => {
    for (;;) {
      const l = lines.find(pred);
      if (l) return l;
      if (exited) throw new Error(`server exited; its log: ${JSON.stringify(lines)}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const listening = await waitFor((l) => l.event === "listening");
  await waitFor((l) => l.event === "model_ready");
  const port = listening.port as number;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    child,
    lines,
    waitFor,
    stop: async () => {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.status;
    },
  };
}

async function predictOnce(base: string, bytes: Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${base}/v1/predict`, {
    method: "POST",
    body: bytes,
    headers: { "content-type": "image/png" },
  });
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test("feedback durability: every 201 survives SIGKILL mid-stream (Deno KV, real process)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "feedback-kill-" });
  const db = `${dir}/sub/feedback.kv`; // the folder is created on start
  let a: Spawned | undefined, b: Spawned | undefined;
  try {
    a = await spawnServer(db);
    assert.ok(!a.lines.some((l) => l.event === "feedback_store_in_memory"), "KV store opened");
    const p = await predictOnce(a.base, await fixture("variant_grey8.png"));
    const acked = new Set<string>();
    let failures = 0;
    let stop = false;
    const poster = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${a!.base}/v1/feedback`, {
            method: "POST",
            body: JSON.stringify({ requestId: p.requestId, label: i % 2 ? "all" : "normal", note: `w${w}-${i}` }),
            headers: { "content-type": "application/json" },
          });
          if (res.status === 201) acked.add((await res.json()).id);
          else await res.body?.cancel();
        } catch {
          failures++; // in flight when the server died: never acknowledged
          return;
        }
      }
    };
    const posters = [0, 1, 2, 3].map(poster);
    while (acked.size < 60) await new Promise((r) => setTimeout(r, 5));
    a.child.kill("SIGKILL"); // no shutdown: whatever was acknowledged must already be on disk
    await a.child.status;
    stop = true;
    await Promise.all(posters);

    b = await spawnServer(db);
    const exported = (await (await fetch(`${b.base}/v1/feedback`)).text()).split("\n").filter((l) => l).map((l) =>
      JSON.parse(l)
    );
    const stored = new Set(exported.map((r) => r.id));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged records lost`);
    assert.ok(
      exported.every((r) => r.prediction.requestId === p.requestId && r.prediction.inputSha256 === p.input.sha256),
    );
    // the prediction itself (audit trail) survived too: feedback can still be matched to it
    const more = await fetch(`${b.base}/v1/feedback`, {
      method: "POST",
      body: JSON.stringify({ requestId: p.requestId, label: "all" }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(more.status, 201);
    await more.body?.cancel();
  } finally {
    await a?.stop();
    await b?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("graceful shutdown: SIGTERM finishes a slow in-flight upload, refuses new requests, exits 0, closes the store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "feedback-term-" });
  const db = `${dir}/feedback.kv`;
  let s: Spawned | undefined, again: Spawned | undefined;
  try {
    s = await spawnServer(db);
    const png = await fixture("cnmc_hem_UID_H10_100_1_hem.png");
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let firstSent!: () => void;
    const sent = new Promise<void>((r) => (firstSent = r));
    const body = new ReadableStream<Uint8Array>({
      async start(ctl) {
        ctl.enqueue(png.slice(0, 1000));
        firstSent();
        await released; // the rest of the upload arrives only after SIGTERM
        ctl.enqueue(png.slice(1000));
        ctl.close();
      },
    });
    const client = Deno.createHttpClient({});
    const slow = fetch(`${s.base}/v1/predict`, {
      method: "POST",
      body,
      headers: { "content-type": "image/png", "x-request-id": "slow-1" },
      client,
    });
    await sent;
    await new Promise((r) => setTimeout(r, 300)); // let the server start reading the body
    s.child.kill("SIGTERM");
    await s.waitFor((l) => l.event === "shutdown");
    // while it drains, new requests get 503 shutting_down (and /readyz with them), not a cut connection
    const fresh = Deno.createHttpClient({});
    const during = await fetch(`${s.base}/readyz`, { client: fresh });
    assert.equal(during.status, 503);
    assert.equal((await during.json()).error.code, "shutting_down");
    fresh.close();
    release();
    const res = await slow;
    assert.equal(res.status, 200, `the in-flight request completed: ${await res.clone().text()}`);
    const p = await res.json();
    assert.notEqual(p.requestId, "slow-1", "the audit id is issued by the server");
    client.close();
    assert.equal((await s.child.status).code, 0, "clean exit");
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: s.port }), "the listener is closed");
    assert.ok(
      s.lines.some((l) => l.requestId === p.requestId && l.clientRequestId === "slow-1" && l.status === 200),
      "its access log line was written",
    );

    // the store was closed cleanly and holds the in-flight request's prediction
    again = await spawnServer(db);
    const fb = await fetch(`${again.base}/v1/feedback`, {
      method: "POST",
      body: JSON.stringify({ requestId: p.requestId, label: "normal" }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(fb.status, 201);
    assert.equal((await fb.json()).prediction.inputSha256, p.input.sha256);
  } finally {
    await s?.stop();
    await again?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
