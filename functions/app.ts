/**
 * The HTTP API, as a Hono app built from its dependencies (no global state, so tests build as
 * many as they like and call them with `app.request`). Runtime entries: `deno.ts` (Deno.serve)
 * and `worker.ts` (Cloudflare Workers).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { requestId } from "hono/request-id";
import type { Config } from "./lib/config.ts";
import type { ModelRuntime } from "../model/core/mod.ts";
import { createModelState } from "./lib/model/state.ts";
import { createMetrics, type Metrics } from "./lib/metrics/metrics.ts";
import { accessLog, type AccessLogVariables, jsonLine, type LogSink } from "./lib/http/access_log.ts";
import { apiKeyAuth } from "./lib/http/auth.ts";
import { ApiError, errorBody, toApiError } from "./lib/http/errors.ts";
import { readImages } from "./lib/http/input.ts";
import { predictImage, type Prediction } from "./lib/predict/pipeline.ts";
import { openApiSpec } from "./lib/openapi/spec.ts";
import { withBudget } from "./lib/http/budget.ts";
import { clientIdentity } from "./lib/http/client.ts";
import { rateLimit } from "./lib/ratelimit/ratelimit.ts";
import { securityHeaders } from "./lib/security/headers.ts";
import { corsAllowlist } from "./lib/security/cors.ts";
import { createMemoryStore, type FeedbackStore, type PredictionRecord } from "./lib/feedback/store.ts";
import { exportFeedback, postFeedback } from "./lib/feedback/routes.ts";
import { docsPage } from "./lib/ui/docs.ts";
import { indexPage } from "./lib/ui/index.ts";

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
}

/** Hono environment of the app. */
export type AppEnv = { Variables: AccessLogVariables };

/** Routes and the methods they accept (anything else: 405). */
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
  "/v1/feedback": ["GET", "POST"],
};

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
  const log = deps.log ?? jsonLine;
  const metrics = deps.metrics ?? createMetrics();
  const state = createModelState(deps.model, (err) => {
    log({ ts: new Date().toISOString(), level: "error", event: "model_load_failed", message: err.message });
  });
  const limits = { maxPixels: config.maxPixels, minSide: config.minSide };
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
  const app = new Hono<AppEnv>();

  app.use(requestId({ limitLength: 128 }));
  app.use(accessLog(log, metrics, () => state.current?.card.version));
  // known paths are their own route label even when a middleware (auth, rate limit) answers first
  app.use(async (c, next) => {
    if (Object.hasOwn(ROUTES, c.req.path)) c.set("route", c.req.path);
    await next();
  });
  app.use(securityHeaders({ "/": indexPage(), "/docs": docsPage() }));
  const cors = corsAllowlist(config.corsOrigins);
  if (cors) app.use(cors);
  app.use("/v1/*", apiKeyAuth(config.apiKeys));
  if (config.rateLimit) {
    const keyed = config.apiKeys.length > 0;
    app.use("/v1/*", rateLimit({ limit: config.rateLimit, identify: (c) => clientIdentity(c, keyed) }));
  }

  /** Remembers a prediction for feedback matching; a failed write is logged, the answer still sent. */
  const audit = async (requestId: string, route: string, index: number, p: Prediction) => {
    const record: PredictionRecord = {
      requestId,
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

  const route = (c: { set: (k: "route", v: string) => void }, path: string) => c.set("route", path);
  const modelInfo = () => {
    const card = state.current?.card;
    return card ? { id: card.id, version: card.version, sha256: card.sha256 } : undefined;
  };

  app.get("/healthz", (c) => {
    route(c, "/healthz");
    return c.json({ status: "ok" });
  });

  app.get("/readyz", (c) => {
    route(c, "/readyz");
    state.require();
    return c.json({ status: "ready", model: modelInfo() });
  });

  app.get("/metrics", (c) => {
    route(c, "/metrics");
    return c.text(metrics.render(modelInfo(), state.current !== undefined), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

  app.get("/openapi.json", (c) => {
    route(c, "/openapi.json");
    return c.json(openApiSpec(config));
  });

  app.get("/docs", (c) => {
    route(c, "/docs");
    return c.html(docsPage());
  });

  app.get("/", (c) => {
    route(c, "/");
    return c.html(indexPage());
  });

  app.get("/v1/model", (c) => {
    route(c, "/v1/model");
    return c.json(state.require().card);
  });

  const single = (heatmap: boolean) => async (c: Context<AppEnv>) => {
    route(c, heatmap ? "/v1/explain" : "/v1/predict");
    const startedAt = performance.now();
    const runtime = state.require();
    const [image] = await readImages(c.req.raw, { maxBodyBytes: config.maxBodyBytes, max: 1 });
    const p = await withBudget(
      config.requestBudgetMs,
      (signal) => predictImage(runtime, image, { ...limits, heatmap, startedAt, signal }),
    );
    c.set("log", { inputSha256: p.input.sha256, label: p.label, decision: p.decision });
    metrics.countPrediction(p.decision);
    await audit(c.get("requestId"), c.get("route"), 0, p);
    return c.json({ ...p, requestId: c.get("requestId") });
  };
  app.post("/v1/predict", single(false));
  app.post("/v1/explain", single(true));

  app.post("/v1/predict/batch", async (c) => {
    route(c, "/v1/predict/batch");
    const runtime = state.require();
    const images = await readImages(c.req.raw, {
      maxBodyBytes: config.maxBodyBytes,
      max: config.maxBatch,
      multipartOnly: true,
    });
    const results: (Prediction | { error: { code: string; message: string } })[] = [];
    for (const image of images) {
      try {
        const p = await withBudget(
          config.requestBudgetMs,
          (signal) => predictImage(runtime, image, { ...limits, signal }),
        );
        metrics.countPrediction(p.decision);
        await audit(c.get("requestId"), "/v1/predict/batch", results.length, p);
        results.push(p);
      } catch (err) {
        const e = toApiError(err);
        if (e.code === "internal_error") logInternal(c.get("requestId"), err);
        metrics.countPrediction("error");
        results.push({ error: errorBody(e).error });
      }
    }
    const ok = results.filter((r): r is Prediction => "label" in r);
    c.set("log", {
      images: results.length,
      inputSha256: ok.map((r) => r.input.sha256),
      label: ok.map((r) => r.label),
      decision: results.map((r) => ("decision" in r ? r.decision : "error")),
    });
    return c.json({ results, requestId: c.get("requestId") });
  });

  app.post("/v1/feedback", (c) => {
    route(c, "/v1/feedback");
    return postFeedback(store)(c);
  });
  app.get("/v1/feedback", (c) => {
    route(c, "/v1/feedback");
    return exportFeedback(store)(c);
  });

  for (const [path, methods] of Object.entries(ROUTES)) {
    app.all(path, (c) => {
      route(c, path);
      c.header("Allow", methods.join(", "));
      throw new ApiError(
        405,
        "method_not_allowed",
        `${c.req.method} is not allowed on ${path}; use ${methods.join(" or ")}`,
      );
    });
  }

  app.notFound((c) => {
    const e = new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}; see GET /docs for the API`);
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
    return c.json(errorBody(e, c.get("requestId")), e.status);
  });

  return app;
}
