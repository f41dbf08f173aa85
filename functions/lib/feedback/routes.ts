/**
 * `POST /v1/feedback` (a reviewer's label for a prediction) and `GET /v1/feedback` (NDJSON export
 * for retraining), as handlers over a {@link FeedbackStore}.
 *
 * @module
 */
import type { Context } from "hono";
import type { Label } from "../../../model/core/mod.ts";
import { type BodyReadOptions, readBodyLimited } from "../http/body.ts";
import { ApiError } from "../http/errors.ts";
import { feedbackId, type FeedbackRecord, type FeedbackStore, type PredictionRecord } from "./store.ts";

/** The body of `POST /v1/feedback`. */
export interface FeedbackInput {
  /** The `requestId` the server gave the prediction (in its answer and its `X-Request-Id` header). */
  requestId?: string;
  /** SHA-256 of the image (`input.sha256` of the prediction); needed for a batch request id. */
  inputSha256?: string;
  /** The label the reviewer gives the image. */
  label: Label;
  reviewer?: string;
  note?: string;
  /** The lab's pseudonymous case id ({@link CASE_ID_PATTERN}): keeps a case's images together downstream. */
  caseId?: string;
}

/**
 * What a `caseId` may be: 1–64 of `A-Z a-z 0-9 . _ : -`. A pseudonymous key the lab can map back to
 * its own records; a name or a medical record number does not belong here.
 */
export const CASE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** Largest accepted feedback body. */
export const MAX_FEEDBACK_BYTES = 16 * 1024;
const FIELDS = new Set(["requestId", "inputSha256", "label", "reviewer", "note", "caseId"]);

function invalid(message: string): never {
  throw new ApiError(400, "invalid_feedback", message);
}

/**
 * Checks a parsed JSON body: `label` is `all` or `normal`; `requestId` and/or a 64-hex
 * `inputSha256`; optional `reviewer` (≤ 200 chars), `note` (≤ 2000) and `caseId`
 * ({@link CASE_ID_PATTERN}); nothing else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiError } from "../http/errors.ts";
 * assert.deepEqual(parseFeedback({ requestId: "r1", label: "all", note: "blast" }), {
 *   requestId: "r1", label: "all", note: "blast",
 * });
 * assert.throws(
 *   () => parseFeedback({ requestId: "r1", label: "maybe" }),
 *   (e) => e instanceof ApiError && e.status === 400,
 * );
 * assert.equal(parseFeedback({ requestId: "r1", label: "all", caseId: "case-0042" }).caseId, "case-0042");
 * assert.throws(
 *   () => parseFeedback({ requestId: "r1", label: "all", caseId: "Jane Roe" }),
 *   (e) => e instanceof ApiError && /`caseId` must be/.test(e.message),
 * );
 * ```
 */
export function parseFeedback(body: unknown): FeedbackInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    invalid('send a JSON object like {"requestId": "…", "label": "all"}');
  }
  const o = body as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !FIELDS.has(k));
  if (extra.length) invalid(`unknown field(s) ${extra.join(", ")}; allowed: ${[...FIELDS].join(", ")}`);
  const optString = (k: string, max: number, re?: RegExp): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || v.length === 0 || v.length > max || (re && !re.test(v))) {
      invalid(`\`${k}\` must be a ${re ? "well-formed " : ""}non-empty string of at most ${max} characters`);
    }
    return v;
  };
  const requestId = optString("requestId", 255);
  const inputSha256 = optString("inputSha256", 64, /^[0-9a-fA-F]{64}$/)?.toLowerCase();
  if (!requestId && !inputSha256) {
    invalid(
      "say which prediction this is about: send `requestId` (from the prediction) or `inputSha256` (its input.sha256)",
    );
  }
  if (o.label !== "all" && o.label !== "normal") invalid('`label` must be "all" or "normal"');
  const reviewer = optString("reviewer", 200);
  const note = optString("note", 2000);
  const caseId = o.caseId === undefined || o.caseId === null ? undefined : o.caseId;
  if (caseId !== undefined && (typeof caseId !== "string" || !CASE_ID_PATTERN.test(caseId))) {
    invalid("`caseId` must be 1–64 characters of A-Z a-z 0-9 . _ : - (a pseudonymous case key, not a name)");
  }
  return {
    ...(requestId ? { requestId } : {}),
    ...(inputSha256 ? { inputSha256 } : {}),
    label: o.label,
    ...(reviewer ? { reviewer } : {}),
    ...(note ? { note } : {}),
    ...(caseId ? { caseId } : {}),
  };
}

/**
 * The prediction feedback is about: by request id (narrowed by input hash when given, and needed
 * when the request had several images), else the latest for the input hash. 404
 * `prediction_not_found` when there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMemoryStore, type PredictionRecord } from "./store.ts";
 * const prediction: PredictionRecord = {
 *   requestId: "r1", index: 0, route: "/v1/predict", inputSha256: "ab".repeat(32),
 *   model: { id: "all-screen", version: "4.0.0", sha256: "cd".repeat(32) },
 *   label: "all", scores: { all: 0.9, normal: 0.1 }, decision: "all", ts: new Date().toISOString(),
 * };
 * const store = createMemoryStore();
 * await store.recordPrediction(prediction);
 * assert.deepEqual(await findPrediction(store, { requestId: "r1", label: "normal" }), prediction);
 * assert.deepEqual(await findPrediction(store, { inputSha256: "ab".repeat(32), label: "normal" }), prediction);
 * await assert.rejects(findPrediction(store, { requestId: "r2", label: "all" }), /no prediction with requestId "r2"/);
 * ```
 */
export async function findPrediction(store: FeedbackStore, f: FeedbackInput): Promise<PredictionRecord> {
  const notFound = (what: string) =>
    new ApiError(
      404,
      "prediction_not_found",
      `no prediction with ${what} is on record; use the requestId or input.sha256 of a prediction this service made`,
    );
  if (f.requestId) {
    let found = await store.predictionsByRequest(f.requestId);
    if (f.inputSha256) found = found.filter((p) => p.inputSha256 === f.inputSha256);
    if (found.length === 0) {
      throw notFound(`requestId ${JSON.stringify(f.requestId)}${f.inputSha256 ? " and that inputSha256" : ""}`);
    }
    const inputs = new Set(found.map((p) => p.inputSha256));
    if (inputs.size > 1) {
      invalid(
        `request ${f.requestId} classified ${inputs.size} different images; also send \`inputSha256\` to say which`,
      );
    }
    return found[found.length - 1];
  }
  const p = await store.latestPredictionByInput(f.inputSha256!);
  if (!p) throw notFound("that inputSha256");
  return p;
}

/**
 * Handler of `POST /v1/feedback`: validates, matches the prediction, stores, and answers 201 with
 * the record only after the store committed it. `body` sets how the body is read (deadline,
 * shutdown; see `readBodyLimited`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createMemoryStore, type PredictionRecord } from "./store.ts";
 * const prediction: PredictionRecord = {
 *   requestId: "r1", index: 0, route: "/v1/predict", inputSha256: "ab".repeat(32),
 *   model: { id: "all-screen", version: "4.0.0", sha256: "cd".repeat(32) },
 *   label: "all", scores: { all: 0.9, normal: 0.1 }, decision: "all", ts: new Date().toISOString(),
 * };
 * const store = createMemoryStore();
 * await store.recordPrediction(prediction);
 * const app = new Hono();
 * app.post("/v1/feedback", postFeedback(() => Promise.resolve(store)));
 * const res = await app.request("/v1/feedback", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ requestId: "r1", label: "normal", reviewer: "lab-2" }),
 * });
 * assert.equal(res.status, 201);
 * const record = await res.json();
 * assert.deepEqual([record.label, record.agrees, record.prediction.requestId], ["normal", false, "r1"]);
 * ```
 */
export function postFeedback(store: () => Promise<FeedbackStore>, body: BodyReadOptions = {}) {
  return async (c: Context) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/json") {
      throw new ApiError(
        415,
        "unsupported_media_type",
        `send feedback as application/json (got "${type || "no content type"}")`,
      );
    }
    const bytes = await readBodyLimited(c.req.raw, MAX_FEEDBACK_BYTES, body);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      invalid("the body is not valid UTF-8 JSON");
    }
    const input = parseFeedback(json);
    const s = await store();
    const prediction = await findPrediction(s, input);
    const now = new Date();
    const record: FeedbackRecord = {
      id: feedbackId(now),
      ts: now.toISOString(),
      label: input.label,
      ...(input.reviewer ? { reviewer: input.reviewer } : {}),
      ...(input.note ? { note: input.note } : {}),
      ...(input.caseId ? { caseId: input.caseId } : {}),
      prediction,
    };
    await s.addFeedback(record);
    return c.json({ ...record, agrees: prediction.label === record.label }, 201);
  };
}

/**
 * Handler of `GET /v1/feedback[?since=ISO-time]`: every feedback record (with its prediction) as
 * NDJSON, one record per line, oldest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createMemoryStore, feedbackId, type PredictionRecord } from "./store.ts";
 * const prediction: PredictionRecord = {
 *   requestId: "r1", index: 0, route: "/v1/predict", inputSha256: "ab".repeat(32),
 *   model: { id: "all-screen", version: "4.0.0", sha256: "cd".repeat(32) },
 *   label: "all", scores: { all: 0.9, normal: 0.1 }, decision: "all", ts: new Date().toISOString(),
 * };
 * const store = createMemoryStore();
 * const ts = new Date();
 * await store.addFeedback({ id: feedbackId(ts), ts: ts.toISOString(), label: "all", prediction });
 * const app = new Hono();
 * app.get("/v1/feedback", exportFeedback(() => Promise.resolve(store)));
 * const res = await app.request("/v1/feedback?since=2000-01-01T00:00:00Z");
 * assert.equal(res.headers.get("content-type"), "application/x-ndjson; charset=utf-8");
 * const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
 * assert.deepEqual(lines.map((r) => r.prediction.requestId), ["r1"]);
 * ```
 */
export function exportFeedback(store: () => Promise<FeedbackStore>) {
  return async (c: Context) => {
    const sinceRaw = c.req.query("since");
    let since: string | undefined;
    if (sinceRaw !== undefined) {
      const t = Date.parse(sinceRaw);
      if (!sinceRaw || Number.isNaN(t)) {
        invalid(`since=${JSON.stringify(sinceRaw)} is not a date; use ISO 8601 like 2025-01-31T00:00:00Z`);
      }
      since = new Date(t).toISOString();
    }
    const s = await store();
    const it = s.listFeedback(since)[Symbol.asyncIterator]();
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        const { value, done } = await it.next();
        if (done) ctl.close();
        else ctl.enqueue(enc.encode(JSON.stringify(value) + "\n"));
      },
      async cancel() {
        await it.return?.();
      },
    });
    return c.body(body, 200, { "Content-Type": "application/x-ndjson; charset=utf-8" });
  };
}
