/**
 * The audit trail and reviewer feedback: every prediction the service makes is remembered
 * ({@link PredictionRecord}), so a reviewer's label ({@link FeedbackRecord}) can be matched to it
 * by request id or input hash and exported for retraining. Storage sits behind
 * {@link FeedbackStore}: Deno KV on the Deno entry (./kv.ts), {@link createMemoryStore} for tests
 * and Workers (Workers keep no audit trail across isolates unless bound to a real store).
 *
 * @module
 */
import type { FeedbackRecord, PredictionRecord } from "../../../model/core/mod.ts";

export type { FeedbackRecord, PredictionRecord };

/** Storage of predictions and feedback. Every write resolves only once it is durable. */
export interface FeedbackStore {
  /** `kv` (durable) or `memory` (lost on restart). */
  readonly kind: "kv" | "memory";
  recordPrediction(p: PredictionRecord): Promise<void>;
  /** Predictions for a request id (several for a batch, or a reused id), oldest first. */
  predictionsByRequest(requestId: string): Promise<PredictionRecord[]>;
  /** The most recent prediction for an input hash. */
  latestPredictionByInput(inputSha256: string): Promise<PredictionRecord | undefined>;
  /** Stores `f`; resolves after the write is committed (atomic), rejects otherwise. */
  addFeedback(f: FeedbackRecord): Promise<void>;
  /** Feedback in time order, from `since` (ISO time, inclusive) when given. */
  listFeedback(since?: string): AsyncIterable<FeedbackRecord>;
  close(): Promise<void>;
}

/** The last id's time and random part, so ids made in one millisecond still sort in order. */
let lastIdMs = Number.NaN;
let lastIdRandom = 0n;
/** Random parts start below 2⁶³, which leaves 2⁶³ increments before one millisecond runs out. */
const RANDOM_LIMIT = 1n << 64n;

/**
 * A new feedback id: ISO time (so ids sort by time) and 64 bits that are random for the first id
 * of a millisecond and one more than the last id's for every further id in that millisecond
 * (ULID's monotonic rule). Ids made by one isolate therefore sort in the order they were made,
 * even when two land in the same millisecond, which a reviewer's export relies on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.match(feedbackId(new Date(0)), /^1970-01-01T00:00:00\.000Z_[0-9a-f]{16}$/);
 * const at = new Date(1);
 * const ids = [feedbackId(at), feedbackId(at), feedbackId(at)];
 * assert.deepEqual([...ids].sort(), ids);
 * ```
 */
export function feedbackId(at: Date): string {
  const ms = at.getTime();
  let r: bigint;
  if (ms === lastIdMs && lastIdRandom + 1n < RANDOM_LIMIT) {
    r = lastIdRandom + 1n;
  } else {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    bytes[0] &= 0x7f;
    r = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  }
  lastIdMs = ms;
  lastIdRandom = r;
  return `${at.toISOString()}_${r.toString(16).padStart(16, "0")}`;
}

/**
 * An in-memory store: for tests, and for runtimes without Deno KV (Workers). Keeps the last
 * `maxPredictions` predictions and `maxFeedback` feedback records; everything is lost when the
 * process or isolate ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const prediction: PredictionRecord = {
 *   requestId: "r1", index: 0, route: "/v1/predict", inputSha256: "ab".repeat(32),
 *   model: { id: "all-screen", version: "4.0.0", sha256: "cd".repeat(32) },
 *   label: "all", scores: { all: 0.9, normal: 0.1 }, decision: "all", ts: new Date().toISOString(),
 * };
 * const store = createMemoryStore();
 * await store.recordPrediction(prediction);
 * assert.equal((await store.latestPredictionByInput(prediction.inputSha256))?.label, "all");
 * assert.equal((await store.predictionsByRequest("r1")).length, 1);
 * await store.close();
 * ```
 */
export function createMemoryStore(opts: { maxPredictions?: number; maxFeedback?: number } = {}): FeedbackStore {
  const maxPredictions = opts.maxPredictions ?? 10_000;
  const maxFeedback = opts.maxFeedback ?? 10_000;
  const predictions: PredictionRecord[] = [];
  const feedback: FeedbackRecord[] = [];
  let closed = false;
  const open = () => {
    if (closed) throw new Error("feedback store is closed");
  };
  return {
    kind: "memory",
    recordPrediction(p) {
      open();
      predictions.push(structuredClone(p));
      if (predictions.length > maxPredictions) predictions.splice(0, predictions.length - maxPredictions);
      return Promise.resolve();
    },
    predictionsByRequest(requestId) {
      return Promise.resolve(predictions.filter((p) => p.requestId === requestId).map((p) => structuredClone(p)));
    },
    latestPredictionByInput(sha) {
      const p = predictions.findLast((p) => p.inputSha256 === sha);
      return Promise.resolve(p && structuredClone(p));
    },
    addFeedback(f) {
      open();
      feedback.push(structuredClone(f));
      feedback.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (feedback.length > maxFeedback) feedback.splice(0, feedback.length - maxFeedback);
      return Promise.resolve();
    },
    async *listFeedback(since) {
      for (const f of [...feedback]) if (!since || f.id >= since) yield structuredClone(f);
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
