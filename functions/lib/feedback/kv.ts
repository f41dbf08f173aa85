/**
 * {@link FeedbackStore} on Deno KV (a local SQLite-backed file; `deno run --unstable-kv`).
 *
 * Keys:
 * - `["prediction", requestId, ts_random]` → {@link PredictionRecord}
 * - `["prediction_by_input", inputSha256, ts_random]` → {@link PredictionRecord}
 * - `["feedback", id]` → {@link FeedbackRecord} (ids sort by time, so `since` is a key range)
 *
 * Both prediction keys are written in one atomic commit, and so is each feedback record; a
 * promise resolves only after its commit succeeded.
 *
 * @module
 */
import { dirname } from "node:path";
import { feedbackId, type FeedbackRecord, type FeedbackStore, type PredictionRecord } from "./store.ts";

/**
 * Opens (creating if needed, with its folder) the KV database at `path` (`:memory:`: in memory).
 * Throws with what to do when KV is not available (`--unstable-kv` missing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = await openKvStore(`${dir}/feedback.kv`); // the service: FEEDBACK_DB, default data/feedback.kv
 * try {
 *   assert.equal(store.kind, "kv");
 *   assert.equal(await store.latestPredictionByInput("ab".repeat(32)), undefined);
 * } finally {
 *   await store.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function openKvStore(path: string): Promise<FeedbackStore> {
  const open = (Deno as { openKv?: (path?: string) => Promise<Deno.Kv> }).openKv;
  if (typeof open !== "function") {
    throw new Error("Deno KV is not available; run deno with --unstable-kv (deno task start does)");
  }
  if (path !== ":memory:") await Deno.mkdir(dirname(path), { recursive: true });
  const kv = await open(path);
  const commit = async (op: Deno.AtomicOperation, what: string) => {
    const res = await op.commit();
    if (!res.ok) throw new Error(`feedback store: ${what} was not committed`);
  };
  const values = async <T>(it: Deno.KvListIterator<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const e of it) out.push(e.value);
    return out;
  };
  return {
    kind: "kv",
    async recordPrediction(p) {
      const k = feedbackId(new Date(p.ts));
      await commit(
        kv.atomic().set(["prediction", p.requestId, k], p).set(["prediction_by_input", p.inputSha256, k], p),
        "the prediction record",
      );
    },
    predictionsByRequest(requestId) {
      return values(kv.list<PredictionRecord>({ prefix: ["prediction", requestId] }));
    },
    async latestPredictionByInput(sha) {
      const [p] = await values(
        kv.list<PredictionRecord>({ prefix: ["prediction_by_input", sha] }, { reverse: true, limit: 1 }),
      );
      return p;
    },
    async addFeedback(f) {
      await commit(
        kv.atomic().check({ key: ["feedback", f.id], versionstamp: null }).set(["feedback", f.id], f),
        "the feedback",
      );
    },
    async *listFeedback(since) {
      const selector = since ? { prefix: ["feedback"], start: ["feedback", since] } : { prefix: ["feedback"] };
      for await (const e of kv.list<FeedbackRecord>(selector, { batchSize: 500 })) yield e.value;
    },
    close() {
      kv.close();
      return Promise.resolve();
    },
  };
}
