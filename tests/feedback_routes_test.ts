/**
 * POST /v1/feedback and GET /v1/feedback over the app, and the FeedbackStore contract on both
 * implementations (memory, Deno KV).
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { createMemoryStore, type FeedbackStore, type PredictionRecord } from "../functions/lib/feedback/store.ts";
import { openKvStore } from "../functions/lib/feedback/kv.ts";
import { parseFeedback } from "../functions/lib/feedback/routes.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";
import { fixture } from "./helpers/images.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

function setup(store: FeedbackStore = createMemoryStore(), env: Record<string, string> = {}) {
  const lines: Record<string, unknown>[] = [];
  const app = createApp({ model: fakeRuntime(), config: loadConfig(env), log: (r) => lines.push(r), feedback: store });
  return { app, lines, store };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

async function predict(app: ReturnType<typeof createApp>, name: string, id?: string): Promise<Json> {
  const res = await app.request("/v1/predict", {
    method: "POST",
    body: await fixture(name),
    headers: { "content-type": "application/octet-stream", ...(id ? { "x-request-id": id } : {}) },
  });
  assert.equal(res.status, 200);
  return await res.json();
}

async function ndjson(res: Response): Promise<Json[]> {
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/x-ndjson/);
  return (await res.text()).split("\n").filter((l) => l).map((l) => JSON.parse(l));
}

for (const kind of ["memory", "kv"] as const) {
  const open = () => (kind === "memory" ? Promise.resolve(createMemoryStore()) : openKvStore(":memory:"));

  Deno.test(`feedback (${kind}): a reviewer's label is matched to the prediction by requestId or input hash`, async () => {
    const store = await open();
    try {
      const { app, lines } = setup(store);
      const p = await predict(app, "cnmc_all_UID_35_6_2_all.png");
      const res = await app.request(
        "/v1/feedback",
        json({ requestId: p.requestId, label: "all", reviewer: "dr-a", note: "blast" }),
      );
      assert.equal(res.status, 201);
      const f = await res.json();
      assert.equal(f.label, "all");
      assert.equal(f.reviewer, "dr-a");
      assert.equal(f.prediction.requestId, p.requestId);
      assert.equal(f.prediction.inputSha256, p.input.sha256);
      assert.equal(f.prediction.label, p.label);
      assert.deepEqual(f.prediction.scores, p.scores);
      assert.deepEqual(f.prediction.model, p.model);
      assert.equal(f.agrees, p.label === "all");

      const bySha = await app.request("/v1/feedback", json({ inputSha256: p.input.sha256, label: "normal" }));
      assert.equal(bySha.status, 201);
      assert.equal((await bySha.json()).prediction.requestId, p.requestId);

      const all = await ndjson(await app.request("/v1/feedback"));
      assert.deepEqual(all.map((r) => r.label), ["all", "normal"]);
      assert.ok(all.every((r) => r.prediction.inputSha256 === p.input.sha256));
      const later = await ndjson(await app.request(`/v1/feedback?since=${encodeURIComponent(all[1].ts)}`));
      assert.ok(later.length >= 1 && later.every((r) => r.ts >= all[1].ts));
      assert.deepEqual(await ndjson(await app.request("/v1/feedback?since=2999-01-01T00:00:00Z")), []);
      // the feedback request is logged like any other, without the note or reviewer
      const line = lines.find((l) => l.route === "/v1/feedback" && l.status === 201)!;
      assert.ok(line && !JSON.stringify(line).includes("blast") && !JSON.stringify(line).includes("dr-a"));
    } finally {
      await store.close();
    }
  });

  Deno.test(`feedback (${kind}): batch predictions are each on record; a batch's request id needs the input hash`, async () => {
    const store = await open();
    try {
      const { app } = setup(store);
      const form = new FormData();
      form.append("image", new Blob([await fixture("variant_grey8.png")]), "a.png");
      form.append("image", new Blob([await fixture("taleqani_Benign_WBC-Benign-001.jpg")]), "b.jpg");
      const batch = await (await app.request("/v1/predict/batch", {
        method: "POST",
        body: form,
        headers: { "x-request-id": "batch-1" },
      })).json();
      assert.notEqual(batch.requestId, "batch-1");
      const ambiguous = await app.request("/v1/feedback", json({ requestId: batch.requestId, label: "all" }));
      assert.equal(ambiguous.status, 400);
      assert.match((await ambiguous.json()).error.message, /inputSha256/);
      const second = await app.request(
        "/v1/feedback",
        json({ requestId: batch.requestId, inputSha256: batch.results[1].input.sha256, label: "all" }),
      );
      assert.equal(second.status, 201);
      const f = await second.json();
      assert.deepEqual([f.prediction.index, f.prediction.clientRequestId], [1, "batch-1"]);
      // the client's id is not an audit key
      const byClientId = await app.request("/v1/feedback", json({ requestId: "batch-1", label: "all" }));
      assert.equal(byClientId.status, 404);
    } finally {
      await store.close();
    }
  });

  Deno.test(`feedback (${kind}): two requests with the same client X-Request-Id get their own audit records`, async () => {
    const store = await open();
    try {
      const { app, lines } = setup(store);
      // another client (or an attacker) sends a second image under the first request's client id
      const first = await predict(app, "cnmc_all_UID_35_6_2_all.png", "lab-7");
      const second = await predict(app, "taleqani_Benign_WBC-Benign-001.jpg", "lab-7");
      assert.notEqual(first.input.sha256, second.input.sha256);
      assert.notEqual(first.requestId, second.requestId);
      for (const p of [first, second]) {
        const records = await store.predictionsByRequest(p.requestId);
        assert.equal(records.length, 1);
        assert.deepEqual([records[0].inputSha256, records[0].clientRequestId], [p.input.sha256, "lab-7"]);
        assert.equal(lines.find((l) => l.requestId === p.requestId)?.clientRequestId, "lab-7");
      }
      // feedback on the first is matched to the first image, not refused as ambiguous
      const res = await app.request("/v1/feedback", json({ requestId: first.requestId, label: "normal" }));
      assert.equal(res.status, 201);
      const f = await res.json();
      assert.equal(f.prediction.requestId, first.requestId);
      assert.equal(f.prediction.inputSha256, first.input.sha256);
    } finally {
      await store.close();
    }
  });
}

Deno.test("feedback: bad bodies are 400 invalid_feedback, unknown predictions 404, wrong type 415", async () => {
  const { app } = setup();
  const p = await predict(app, "variant_grey8.png");
  const cases: [RequestInit, number, string][] = [
    [json({ requestId: p.requestId, label: "maybe" }), 400, "invalid_feedback"],
    [json({ label: "all" }), 400, "invalid_feedback"],
    [json({ requestId: p.requestId, label: "all", score: 1 }), 400, "invalid_feedback"],
    [json({ inputSha256: "abc", label: "all" }), 400, "invalid_feedback"],
    [json({ requestId: p.requestId, label: "all", note: "x".repeat(2001) }), 400, "invalid_feedback"],
    [json([1, 2]), 400, "invalid_feedback"],
    [{ method: "POST", body: "{not json", headers: { "content-type": "application/json" } }, 400, "invalid_feedback"],
    [
      { method: "POST", body: JSON.stringify({ label: "all" }), headers: { "content-type": "text/plain" } },
      415,
      "unsupported_media_type",
    ],
    [{ method: "POST", headers: { "content-type": "application/json" } }, 400, "empty_body"],
    [json({ requestId: "never-seen", label: "all" }), 404, "prediction_not_found"],
    [json({ inputSha256: "0".repeat(64), label: "normal" }), 404, "prediction_not_found"],
    [{ ...json({ requestId: p.requestId, label: "all", note: "y".repeat(20_000) }) }, 413, "body_too_large"],
    [{ method: "GET" }, 200, ""],
  ];
  for (const [init, status, code] of cases) {
    const res = await app.request(init.method === "GET" ? "/v1/feedback?since=yesterday" : "/v1/feedback", init);
    if (init.method === "GET") {
      assert.equal(res.status, 400);
      continue;
    }
    const body = await res.json();
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.error.code, code);
  }
  assert.equal((await app.request("/v1/feedback", { method: "DELETE" })).status, 405);
});

Deno.test("feedback: a store that failed to open answers 503 store_unavailable; predictions still work", async () => {
  const { app, lines } = setup(Promise.reject(new Error("disk gone")) as unknown as FeedbackStore);
  const p = await predict(app, "variant_grey8.png");
  const res = await app.request("/v1/feedback", json({ requestId: p.requestId, label: "all" }));
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error.code, "store_unavailable");
  assert.ok(lines.some((l) => l.event === "feedback_store_failed"));
  assert.ok(lines.some((l) => l.event === "audit_write_failed"));
});

Deno.test("feedback: API keys guard the feedback routes like every /v1 route", async () => {
  const { app } = setup(createMemoryStore(), { API_KEYS: "k1" });
  assert.equal((await app.request("/v1/feedback")).status, 401);
  assert.equal((await app.request("/v1/feedback", { headers: { authorization: "Bearer k1" } })).status, 200);
});

Deno.test("parseFeedback: keeps only known fields, lowercases the hash", () => {
  assert.deepEqual(parseFeedback({ inputSha256: "A".repeat(64), label: "normal", note: null }), {
    inputSha256: "a".repeat(64),
    label: "normal",
  });
});

Deno.test("memory store: bounded, oldest predictions dropped first", async () => {
  const store = createMemoryStore({ maxPredictions: 2 });
  const rec = (requestId: string): PredictionRecord => ({
    requestId,
    index: 0,
    route: "/v1/predict",
    inputSha256: "a".repeat(64),
    model: { id: "m", version: "1", sha256: "b".repeat(64) },
    label: "all",
    scores: { all: 0.9, normal: 0.1 },
    decision: "all",
    ts: new Date().toISOString(),
  });
  for (const id of ["r1", "r2", "r3"]) await store.recordPrediction(rec(id));
  assert.deepEqual(await store.predictionsByRequest("r1"), []);
  assert.equal((await store.latestPredictionByInput("a".repeat(64)))?.requestId, "r3");
});
