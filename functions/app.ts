/**
 * The HTTP API, as a Hono app built from its dependencies (no global state, so tests build as
 * many as they like and call them with `app.request`). Runtime entries: `deno.ts` (Deno.serve)
 * and `worker.ts` (Cloudflare Workers).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { routePath } from "hono/route";
import type { Config } from "./lib/config.ts";
import type { ModelRuntime } from "../model/core/mod.ts";
import { createModelState } from "./lib/model/state.ts";
import { modelWarnings } from "./lib/model/warnings.ts";
import { createMetrics, type Metrics } from "./lib/metrics/metrics.ts";
import { accessLog, type AccessLogVariables, cappedSink, jsonLine, type LogSink } from "./lib/http/access_log.ts";
import { requestIds } from "./lib/http/request_id.ts";
import { rejectUnknownMethods } from "./lib/http/methods.ts";
import { apiKeyAuth } from "./lib/http/auth.ts";
import { ApiError, errorBody, toApiError } from "./lib/http/errors.ts";
import { readImages } from "./lib/http/input.ts";
import { predictImage, type Prediction } from "./lib/predict/pipeline.ts";
import { openApiSpec } from "./lib/openapi/spec.ts";
import { startBudget, withBudget } from "./lib/http/budget.ts";
import type { ImageDecoder } from "./lib/decode/job.ts";
import { clientIdentity } from "./lib/http/client.ts";
import { rateLimit } from "./lib/ratelimit/ratelimit.ts";
import { securityHeaders } from "./lib/security/headers.ts";
import { corsAllowlist } from "./lib/security/cors.ts";
import { createMemoryStore, type FeedbackStore, type PredictionRecord } from "./lib/feedback/store.ts";
import { exportFeedback, postFeedback } from "./lib/feedback/routes.ts";
import { docsPage } from "./lib/ui/docs.ts";
import { indexPage } from "./lib/ui/index.ts";
import { type CellModelSource, createCellModel } from "./lib/cells/model.ts";
import { cellsRoute } from "./lib/cells/route.ts";
import {
  type AuditedAnswer,
  exceptHealth,
  isOipPath,
  mountOip,
  OIP_NO_STORE,
  OIP_ROUTES,
  oipErrorBody,
} from "./lib/oip/routes.ts";

/** What the app is built from. */
export interface AppDeps {
  /** The model, or a promise of it (the app answers 503 `not_ready` until it resolves). */
  model: ModelRuntime | Promise<ModelRuntime>;
  config: Config;
  /** Where the per-request JSON log lines go (default: stdout). */
  log?: LogSink;
  /** Metrics registry (default: a fresh one). */
  metrics?: Metrics;
  /**
   * Audit trail and feedback store, or a promise of it (default: in memory, lost on restart; the
   * Deno entry passes Deno KV). The app never closes it: its owner does, after the server stops.
   */
  feedback?: FeedbackStore | Promise<FeedbackStore>;
  /**
   * Whether the server is shutting down (the Deno entry's drain): an upload the runtime cuts off
   * then is answered 503 `shutting_down` rather than 400 `empty_body`. Default: never.
   */
  stopping?: () => boolean;
  /**
   * Decodes and resizes uploads (default: on the request thread). The Deno entry passes its decode
   * pool (`functions/lib/decode/pool.ts`), whose workers a decode past the budget cannot outlive;
   * like the feedback store, its owner closes it.
   */
  decoder?: ImageDecoder;
  /**
   * The cell classifier of `/v1/cells`, or a promise of it; a rejected promise says why there is
   * none (`/v1/cells` then answers 503 `cells_unavailable` and `/readyz` warns). Default: none
   * (503, no warning). The Deno entry passes `CELL_MODEL` (`openCellModel`), loaded once the field
   * model is ready.
   */
  cells?: CellModelSource;
}

/** Routes whose answers must never be cached (they carry predictions, reviewer labels or the export). */
const NO_STORE = ["/v1/predict", "/v1/predict/batch", "/v1/explain", "/v1/cells", "/v1/feedback"];

/** Hono environment of the app. */
export type AppEnv = { Variables: AccessLogVariables };

/**
 * Routes and the methods they accept (another standard method: 405; a made-up one: 501). These
 * patterns are the only route labels of logs and metrics (unknown paths: `unmatched`).
 */
const ROUTES: Record<string, string[]> = {
  "/": ["GET"],
  "/healthz": ["GET"],
  "/readyz": ["GET"],
  "/metrics": ["GET"],
  "/openapi.json": ["GET"],
  "/docs": ["GET"],
  "/v1/model": ["GET"],
  "/v1/predict": ["POST"],
  "/v1/predict/batch": ["POST"],
  "/v1/explain": ["POST"],
  "/v1/cells": ["POST"],
  "/v1/feedback": ["GET", "POST"],
  ...OIP_ROUTES, // Open Inference Protocol v2 (functions/lib/oip/)
};

/** `s`, cut to 64 characters for an error message (a client's path or method can be 30 kB). */
function short(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

/**
 * Builds the service.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../model/core/mod.ts";
 * import { loadConfig } from "./lib/config.ts";
 * const model = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const app = createApp({ model, config: loadConfig({}), log: () => {} });
 * // `Deno.serve({ port: 8000 }, app.fetch)` serves it (functions/deno.ts adds graceful shutdown);
 * // a test calls it directly:
 * assert.equal((await app.request("/healthz")).status, 200);
 * const res = await app.request("/v1/predict", {
 *   method: "POST",
 *   headers: { "content-type": "image/bmp" },
 *   body: await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp"),
 * });
 * assert.equal(res.status, 200);
 * const { decision, model: used } = await res.json();
 * assert.ok(["all", "normal", "review"].includes(decision));
 * assert.equal(used.id, "tiny-test");
 * await model.close();
 * ```
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config } = deps;
  const log = cappedSink(deps.log ?? jsonLine);
  const metrics = deps.metrics ?? createMetrics();
  const state = createModelState(deps.model, (err) => {
    log({ ts: new Date().toISOString(), level: "error", event: "model_load_failed", message: err.message });
  });
  const cellModel = createCellModel(deps.cells, (err) => {
    log({ ts: new Date().toISOString(), level: "warn", event: "cell_model_unavailable", message: err.message });
  });
  const limits = { maxPixels: config.maxPixels, minSide: config.minSide, decoder: deps.decoder };
  const feedbackStore = Promise.resolve(deps.feedback ?? createMemoryStore());
  feedbackStore.catch((err) => {
    log({ ts: new Date().toISOString(), level: "error", event: "feedback_store_failed", message: String(err) });
  });
  const store = () =>
    feedbackStore.catch(() => {
      throw new ApiError(
        503,
        "store_unavailable",
        "the feedback store could not be opened; the operator must check FEEDBACK_DB and the server log",
      );
    });
  const body = { timeoutMs: config.bodyTimeoutMs, stopping: deps.stopping };
  const app = new Hono<AppEnv>();

  // ids issued here (a client's X-Request-Id is kept beside, never as, the audit key)
  app.use(requestIds());
  // labels from the router's matched route and a bounded method set; every log field capped
  app.use(accessLog(log, metrics, () => state.current?.card.version));
  app.use(securityHeaders({ "/": indexPage(), "/docs": docsPage() }));
  const cors = corsAllowlist(config.corsOrigins);
  if (cors) app.use(cors);
  app.use(rejectUnknownMethods()); // a made-up method: 501 before any key, body or route work
  for (const path of [...NO_STORE, ...OIP_NO_STORE]) {
    app.use(path, async (c, next) => {
      c.header("Cache-Control", "no-store");
      await next();
    });
  }
  const auth = apiKeyAuth(
    config.apiKeys,
    // failures are counted per client address: a made-up key must not buy a fresh bucket
    config.authFailures && { limit: config.authFailures, identify: (c) => clientIdentity(c, false) },
  );
  app.use("/v1/*", auth);
  app.use("/v2/*", exceptHealth(auth)); // /v2/health/* stays open, as /healthz and /readyz
  if (config.rateLimit) {
    const keyed = config.apiKeys.length > 0;
    const limited = rateLimit({ limit: config.rateLimit, identify: (c) => clientIdentity(c, keyed) });
    app.use("/v1/*", limited);
    app.use("/v2/*", exceptHealth(limited)); // one bucket per client across /v1 and /v2
  }

  /** Remembers a prediction for feedback matching; a failed write is logged, the answer still sent. */
  const audit = async (c: Context<AppEnv>, route: string, index: number, p: AuditedAnswer) => {
    const requestId = c.get("requestId");
    const clientRequestId = c.get("clientRequestId");
    const record: PredictionRecord = {
      requestId,
      ...(clientRequestId ? { clientRequestId } : {}),
      index,
      route,
      inputSha256: p.input.sha256,
      model: p.model,
      label: p.label,
      scores: p.scores,
      decision: p.decision,
      ts: new Date().toISOString(),
    };
    try {
      await (await feedbackStore).recordPrediction(record);
    } catch (err) {
      log({
        ts: new Date().toISOString(),
        level: "error",
        event: "audit_write_failed",
        requestId,
        message: String(err),
      });
    }
  };

  const modelInfo = () => {
    const card = state.current?.card;
    return card ? { id: card.id, version: card.version, sha256: card.sha256 } : undefined;
  };

  app.get("/healthz", (c) => {
    return c.json({ status: "ok" });
  });

  app.get("/readyz", (c) => {
    const { card } = state.require();
    return c.json({
      status: "ready",
      model: modelInfo(),
      warnings: [...modelWarnings(card), ...cellModel.warnings()],
    });
  });

  app.get("/metrics", (c) => {
    return c.text(metrics.render(modelInfo(), state.current !== undefined), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

  app.get("/openapi.json", (c) => {
    return c.json(openApiSpec(config));
  });

  app.get("/docs", (c) => {
    return c.html(docsPage());
  });

  app.get("/", (c) => {
    return c.html(indexPage());
  });

  app.get("/v1/model", (c) => {
    const { card } = state.require();
    const warnings = modelWarnings(card);
    return c.json(warnings.length > 0 ? { ...card, warnings } : card);
  });

  const single = (heatmap: boolean) => async (c: Context<AppEnv>) => {
    const startedAt = performance.now();
    const runtime = state.require();
    const [image] = await readImages(c.req.raw, { maxBodyBytes: config.maxBodyBytes, max: 1, body });
    const p = await withBudget(
      config.requestBudgetMs,
      (signal) => predictImage(runtime, image, { ...limits, heatmap, startedAt, signal }),
    );
    c.set("log", { inputSha256: p.input.sha256, label: p.label, decision: p.decision });
    metrics.countPrediction(p.decision);
    await audit(c, routePath(c), 0, p);
    return c.json({ ...p, requestId: c.get("requestId") });
  };
  app.post("/v1/predict", single(false));
  app.post("/v1/explain", single(true));

  app.post("/v1/predict/batch", async (c) => {
    const runtime = state.require();
    const images = await readImages(c.req.raw, {
      maxBodyBytes: config.maxBodyBytes,
      max: config.maxBatch,
      batch: true,
      body,
    });
    type Part = { index: number; filename?: string };
    const results: ((Prediction & Part) | ({ error: { code: string; message: string } } & Part))[] = [];
    // one budget for the whole batch: images after it is spent answer `timeout` without decoding
    const budget = startBudget(config.requestBudgetMs);
    for (const [index, image] of images.entries()) {
      // every item echoes its part: position in the request and the client's filename, if any
      const part: Part = { index, ...(image.filename !== undefined ? { filename: image.filename } : {}) };
      try {
        const p = await budget.run((signal) => predictImage(runtime, image, { ...limits, signal }));
        metrics.countPrediction(p.decision);
        await audit(c, "/v1/predict/batch", index, p);
        results.push({ ...part, ...p });
      } catch (err) {
        const e = toApiError(err);
        if (e.code === "internal_error") logInternal(c.get("requestId"), err);
        metrics.countPrediction("error");
        results.push({ ...part, error: errorBody(e).error });
      }
    }
    const ok = results.filter((r): r is Prediction & Part => "label" in r);
    c.set("log", {
      images: results.length,
      inputSha256: ok.map((r) => r.input.sha256),
      label: ok.map((r) => r.label),
      decision: results.map((r) => ("decision" in r ? r.decision : "error")),
    });
    return c.json({ results, requestId: c.get("requestId") });
  });

  // one image → its cells located, each classified by the cell model, and the field's summary
  app.post("/v1/cells", cellsRoute({ cells: cellModel, config, limits, body, metrics, audit }));

  app.post("/v1/feedback", postFeedback(store, body));
  app.get("/v1/feedback", exportFeedback(store));

  // Open Inference Protocol v2 (KServe / Triton) on the same model, pipeline, limits and audit trail
  mountOip(app, { state, config, limits, body, metrics, audit });

  for (const [path, methods] of Object.entries(ROUTES)) {
    app.all(path, (c) => {
      c.header("Allow", methods.join(", "));
      throw new ApiError(
        405,
        "method_not_allowed",
        `${c.req.method} is not allowed on ${path}; use ${methods.join(" or ")}`,
      );
    });
  }

  app.notFound((c) => {
    const e = new ApiError(
      404,
      "not_found",
      `no route ${short(c.req.method)} ${short(c.req.path)}; see GET /docs for the API`,
    );
    if (isOipPath(c.req.path)) return c.json(oipErrorBody(e), 404);
    return c.json(errorBody(e, c.get("requestId")), 404);
  });

  const logInternal = (id: string | undefined, err: unknown) => {
    log({
      ts: new Date().toISOString(),
      level: "error",
      event: "internal_error",
      requestId: id,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      stack: err instanceof Error ? err.stack?.split("\n").slice(0, 6).join("\n") : undefined,
    });
  };

  app.onError((err, c) => {
    const e = toApiError(err);
    if (e.status >= 500 && e.code === "internal_error") logInternal(c.get("requestId"), err);
    if (e.code === "request_timeout") c.header("Connection", "close"); // the rest of the body is not read
    // /v2 answers errors in the Open Inference Protocol's shape, {"error": "<message>"}
    if (isOipPath(c.req.path)) return c.json(oipErrorBody(e), e.status);
    return c.json(errorBody(e, c.get("requestId")), e.status);
  });

  return app;
}
