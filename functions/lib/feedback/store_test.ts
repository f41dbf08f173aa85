import assert from "node:assert/strict";
import { createMemoryStore, feedbackId } from "./store.ts";
import type { FeedbackRecord, PredictionRecord } from "./store.ts";

Deno.test("feedbackId: ids made in one millisecond sort in the order they were made", () => {
  const at = new Date("2026-12-05T11:27:56.814Z");
  const ids = Array.from({ length: 1000 }, () => feedbackId(at));
  const sorted = [...ids].sort();
  const first = ids.findIndex((id, i) => id !== sorted[i]);
  assert.equal(first, -1, `id ${first} (${ids[first]}) sorts out of its place`);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^2026-12-05T11:27:56\.814Z_[0-7][0-9a-f]{15}$/);
});

Deno.test("feedbackId: a new millisecond draws a fresh random part, and time still sorts first", () => {
  const a = feedbackId(new Date(5));
  const b = feedbackId(new Date(5));
  const c = feedbackId(new Date(6));
  const d = feedbackId(new Date(4)); // a clock that stepped back: still a valid, unique id
  assert.equal(BigInt(`0x${b.split("_")[1]}`) - BigInt(`0x${a.split("_")[1]}`), 1n);
  assert.ok(a < b && b < c && d < a, [a, b, c, d].join(" "));
});

Deno.test("memory store: feedback added in one millisecond is listed in the order it was added", async () => {
  const store = createMemoryStore();
  const prediction: PredictionRecord = {
    requestId: "r1",
    index: 0,
    route: "/v1/predict",
    inputSha256: "ab".repeat(32),
    model: { id: "all-screen", version: "6.0.0", sha256: "cd".repeat(32) },
    label: "all",
    scores: { all: 0.9, normal: 0.1 },
    decision: "all",
    ts: "2026-12-05T11:27:56.814Z",
  };
  const at = new Date(prediction.ts);
  const made: FeedbackRecord[] = Array.from({ length: 50 }, (_, i) => ({
    id: feedbackId(at),
    ts: prediction.ts,
    label: i % 2 ? "all" : "normal",
    prediction,
  }));
  for (const f of made) await store.addFeedback(f);
  const listed: string[] = [];
  for await (const f of store.listFeedback()) listed.push(f.id);
  assert.deepEqual(listed, made.map((f) => f.id));
  await store.close();
});
