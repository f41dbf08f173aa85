/**
 * The Open Inference Protocol v2 (KServe / Triton REST) beside `/v1`, on the same model, pipeline,
 * limits and audit trail:
 *
 * | route | answer |
 * | --- | --- |
 * | `GET /v2/health/live` | `{"live": true}` |
 * | `GET /v2/health/ready` | `{"ready": true}`, 503 while the model loads |
 * | `GET /v2` | server metadata `{name, version, extensions}` |
 * | `GET /v2/models` | `{models: [{name, versions, platform}]}` (an extension) |
 * | `GET /v2/models/{name}[/versions/{version}]` | model metadata `{name, versions, platform, inputs, outputs}` |
 * | `GET /v2/models/{name}[/versions/{version}]/ready` | `{name, ready: true}` |
 * | `POST /v2/models/{name}[/versions/{version}]/infer` | inference (see `tensors.ts`) |
 *
 * The model's name is its card's `id`; another name or version answers 404. Errors are the
 * protocol's `{"error": "<message>"}` ({@link oipErrorBody}; the app's error handler uses it for
 * every `/v2` path). API keys and the rate limit apply to `/v2/*` as to `/v1/*` except
 * `/v2/health/*`, which stays open like `/healthz` and `/readyz` (orchestrators' probes carry no
 * key) — see {@link exceptHealth}.
 *
 * @module
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { ModelRuntime } from "../../../model/core/mod.ts";
import type { AccessLogVariables } from "../http/access_log.ts";
import { type BodyReadOptions, readBodyLimited } from "../http/body.ts";
import { startBudget } from "../http/budget.ts";
import { ApiError, toApiError } from "../http/errors.ts";
import { parseJsonBody } from "../http/input.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { ModelState } from "../model/state.ts";
import { predictImage, type PredictOptions } from "../predict/pipeline.ts";
import { HEADER_LENGTH, joinBinaryBody, splitBinaryBody } from "./binary.ts";
import { modelListing, modelMetadata, serverMetadata } from "./metadata.ts";
import { predictTensor, type TensorAnswer } from "./predict.ts";
import { encodeOutputs, parseInferRequest } from "./tensors.ts";

/** What one OIP answer leaves in the audit trail (a `/v1` prediction has these fields too). */
export type AuditedAnswer = TensorAnswer;

/** What the OIP routes are built from (the app's own model state, limits, metrics and audit trail). */
export interface OipDeps {
  state: ModelState;
  config: { maxBodyBytes: number; maxBatch: number; requestBudgetMs: number };
  /** Decoding limits and decoder, as for `/v1`. */
  limits: Pick<PredictOptions, "maxPixels" | "minSide" | "decoder">;
  /** Body deadline and shutdown flag, as for `/v1`. */
  body: BodyReadOptions;
  metrics: Metrics;
  /** Records answer `index` of the request in the audit trail (as `/v1` does). */
  audit: (c: Context<OipEnv>, route: string, index: number, answer: AuditedAnswer) => Promise<void>;
}

/** Hono environment the routes need (the app's `AppEnv`). */
export type OipEnv = { Variables: AccessLogVariables };

const MODEL = "/v2/models/:name";
const VERSION = "/v2/models/:name/versions/:version";

/** The OIP routes and their methods, for the app's route table (405 / 501 and route labels). */
export const OIP_ROUTES: Record<string, string[]> = {
  "/v2": ["GET"],
  "/v2/health/live": ["GET"],
  "/v2/health/ready": ["GET"],
  "/v2/models": ["GET"],
  [MODEL]: ["GET"],
  [VERSION]: ["GET"],
  [`${MODEL}/ready`]: ["GET"],
  [`${VERSION}/ready`]: ["GET"],
  [`${MODEL}/infer`]: ["POST"],
  [`${VERSION}/infer`]: ["POST"],
};

/** OIP routes whose answers must never be cached (they carry predictions). */
export const OIP_NO_STORE = [`${MODEL}/infer`, `${VERSION}/infer`];

/**
 * Whether a path is under `/v2` (its errors are answered in the protocol's shape).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(["/v2", "/v2/models", "/v1/predict", "/v2x"].map(isOipPath), [true, true, false, false]);
 * ```
 */
export function isOipPath(path: string): boolean {
  return path === "/v2" || path.startsWith("/v2/");
}

/**
 * The protocol's error body: `{"error": "<message>"}` (the request id is in `X-Request-Id`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiError } from "../http/errors.ts";
 * assert.deepEqual(oipErrorBody(new ApiError(404, "not_found", "no model x")), { error: "no model x" });
 * ```
 */
export function oipErrorBody(err: ApiError): { error: string } {
  return { error: err.message };
}

/**
 * `middleware` for every `/v2` path except `/v2/health/*` (liveness and readiness probes carry no
 * API key and must not be rate limited, as `/healthz` and `/readyz`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono();
 * app.use("/v2/*", exceptHealth((c) => Promise.resolve(c.text("locked", 401))));
 * app.get("/v2/health/live", (c) => c.text("ok"));
 * app.get("/v2/models", (c) => c.text("ok"));
 * assert.equal((await app.request("/v2/health/live")).status, 200);
 * assert.equal((await app.request("/v2/models")).status, 401);
 * ```
 */
export function exceptHealth(middleware: MiddlewareHandler): MiddlewareHandler {
  return (c, next) => c.req.path.startsWith("/v2/health/") ? next() : middleware(c, next);
}

function short(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

const INFER_TYPES = new Set(["", "application/json", "application/octet-stream"]);

/**
 * Adds the OIP v2 routes to `app` (the app adds their 405s from {@link OIP_ROUTES}, keys, rate
 * limit and `no-store` from {@link exceptHealth} and {@link OIP_NO_STORE}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApp } from "../../app.ts"; // mounts them beside /v1
 * import { loadConfig } from "../config.ts";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const model = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const app = createApp({ model, config: loadConfig({}), log: () => {} });
 * assert.deepEqual(await (await app.request("/v2/health/ready")).json(), { ready: true });
 * const png = await Deno.readFile("tests/fixtures/images/variant_rgb8.png");
 * const res = await app.request("/v2/models/tiny-test/infer", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ inputs: [{ name: "image", datatype: "BYTES", shape: [1], data: [png.toBase64()] }] }),
 * });
 * const { model_name, outputs } = await res.json();
 * assert.deepEqual([model_name, outputs.map((o: { name: string }) => o.name)], ["tiny-test", ["scores", "label", "decision", "reasons"]]);
 * assert.equal((await app.request("/v2/models/other")).status, 404);
 * await model.close();
 * ```
 */
export function mountOip(app: Hono<OipEnv>, deps: OipDeps): void {
  const { state, config } = deps;

  /** The model a path names (404 for another name or version). */
  const named = (c: Context<OipEnv>): ModelRuntime => {
    const runtime = state.require();
    const { id, version } = runtime.card;
    const name = c.req.param("name");
    const asked = c.req.param("version");
    if (name !== id) {
      throw new ApiError(
        404,
        "not_found",
        `no model ${JSON.stringify(short(name ?? ""))} is served here; this service serves "${id}" (GET /v2/models)`,
      );
    }
    if (asked !== undefined && asked !== version) {
      throw new ApiError(
        404,
        "not_found",
        `model "${id}" has no version ${JSON.stringify(short(asked))}; it serves version "${version}"`,
      );
    }
    return runtime;
  };

  const infer = async (c: Context<OipEnv>) => {
    const runtime = named(c);
    const { card } = runtime;
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (!INFER_TYPES.has(type)) {
      throw new ApiError(
        415,
        "unsupported_media_type",
        `content type "${short(type)}" is not accepted; send the inference request as application/json ` +
          `(or application/octet-stream with ${HEADER_LENGTH} for binary data)`,
      );
    }
    const body = await readBodyLimited(c.req.raw, config.maxBodyBytes, deps.body);
    const { json, binary } = splitBinaryBody(body, c.req.header(HEADER_LENGTH) ?? null);
    const request = parseInferRequest(parseJsonBody(json, 'an inference request {"inputs": [...]}'), binary, {
      size: card.preprocess.size,
      maxImages: config.maxBatch,
      maxImageBytes: config.maxBodyBytes,
    });
    // one budget for the request, as a /v1 batch: images after it is spent are not decoded
    const budget = startBudget(config.requestBudgetMs);
    const answers: AuditedAnswer[] = [];
    const { input } = request;
    const n = input.kind === "images" ? input.images.length : input.n;
    for (let i = 0; i < n; i++) {
      try {
        if (input.kind === "images") {
          answers.push(
            await budget.run((signal) => predictImage(runtime, input.images[i], { ...deps.limits, signal })),
          );
        } else {
          const per = 3 * card.preprocess.size ** 2;
          const tensor = input.data.subarray(i * per, (i + 1) * per);
          answers.push(await budget.run((signal) => predictTensor(runtime, tensor, signal)));
        }
      } catch (err) {
        const e = toApiError(err);
        // an image's own error says which image it is; a timeout or server error is the request's
        if (n === 1 || e.status >= 500) throw err;
        throw new ApiError(e.status, e.code, `element ${i} of inputs[0]: ${e.message}`);
      }
    }
    const route = routePath(c);
    for (const [i, a] of answers.entries()) {
      deps.metrics.countPrediction(a.decision);
      await deps.audit(c, route, i, a);
    }
    c.set("log", {
      images: n,
      inputSha256: answers.map((a) => a.input.sha256),
      label: answers.map((a) => a.label),
      decision: answers.map((a) => a.decision),
    });
    const { tensors, binary: chunks } = encodeOutputs(answers, request.outputs);
    const response = {
      model_name: card.id,
      model_version: card.version,
      ...(request.id !== undefined ? { id: request.id } : {}),
      parameters: { request_id: c.get("requestId") },
      outputs: tensors,
    };
    if (chunks.length === 0) return c.json(response);
    const joined = joinBinaryBody(response, chunks);
    return c.body(joined.body, 200, {
      "Content-Type": "application/octet-stream",
      [HEADER_LENGTH]: String(joined.headerLength),
    });
  };

  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) => {
    state.require();
    return c.json({ ready: true });
  });
  app.get("/v2", (c) => c.json(serverMetadata()));
  app.get("/v2/models", (c) => c.json(modelListing([state.require().card])));
  for (const base of [MODEL, VERSION]) {
    app.get(base, (c) => c.json(modelMetadata(named(c).card)));
    app.get(`${base}/ready`, (c) => c.json({ name: named(c).card.id, ready: true }));
    app.post(`${base}/infer`, (c) => infer(c));
  }
}
