/**
 * One structured JSON line per request, plus the request metrics. Handlers add fields
 * (input hash, label, decision) with `c.set("log", {...})`; image bytes and file names are never
 * logged, nor are keys. Nothing a client sends can make a line long or add a metrics series:
 * every string field is capped ({@link capLogFields}), the method is counted as
 * {@link methodLabel} gives it and the route label is the router's matched route pattern.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Metrics } from "../metrics/metrics.ts";
import { toApiError } from "./errors.ts";
import { methodLabel } from "./methods.ts";
import type { RequestIdVariables } from "./request_id.ts";

/** Fields a handler may add to its request's log line. */
export interface LogFields {
  inputSha256?: string | string[];
  label?: string | string[];
  decision?: string | string[];
  [k: string]: unknown;
}

/** Context variables this middleware reads (the ids come from `requestIds()`). */
export interface AccessLogVariables extends RequestIdVariables {
  log: LogFields;
}

/** Where log records go (a JSON line on stdout by default). */
export type LogSink = (record: Record<string, unknown>) => void;

/**
 * Writes `record` as one JSON line on stdout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const printed: unknown[] = [];
 * const print = console.log;
 * console.log = (line: unknown) => printed.push(line);
 * try {
 *   jsonLine({ requestId: "x", status: 200 });
 * } finally {
 *   console.log = print;
 * }
 * assert.deepEqual(printed, ['{"requestId":"x","status":200}']);
 * ```
 */
export const jsonLine: LogSink = (record) => console.log(JSON.stringify(record));

/** Longest string kept in a log field (longer ones are cut and marked), except {@link LONG_LOG_FIELDS}. */
export const LOG_FIELD_MAX = 256;

/** Fields written by the server itself that may be longer (a stack trace's first lines). */
export const LONG_LOG_FIELDS: Readonly<Record<string, number>> = { stack: 2048 };

/** Most items kept of an array in a log field (a batch has at most `MAX_BATCH` ≤ 1024). */
export const LOG_ARRAY_MAX = 1024;

/**
 * `record` with every string (also inside arrays and objects) cut to `max` characters plus a
 * marker saying how many were left out, arrays cut to {@link LOG_ARRAY_MAX} items, and nesting
 * below 4 levels replaced by `"[…]"`; so a log line stays a few kB whatever a client sends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const capped = capLogFields({ method: "X".repeat(30_000), status: 405, stack: "at f\n".repeat(100) });
 * assert.equal(capped.method, "X".repeat(256) + "…[+29744 chars]");
 * assert.equal(capped.status, 405);
 * assert.equal((capped.stack as string).length, 500); // stack: kept up to 2048 characters
 * ```
 */
export function capLogFields(record: Record<string, unknown>, max = LOG_FIELD_MAX): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = capValue(v, LONG_LOG_FIELDS[k] ?? max, 0);
  return out;
}

function capValue(v: unknown, max: number, depth: number): unknown {
  if (typeof v === "string") return v.length > max ? `${v.slice(0, max)}…[+${v.length - max} chars]` : v;
  if (v === null || typeof v !== "object") return v;
  if (depth >= 3) return "[…]";
  if (Array.isArray(v)) {
    const items = v.slice(0, LOG_ARRAY_MAX).map((x) => capValue(x, max, depth + 1));
    if (v.length > LOG_ARRAY_MAX) items.push(`…[+${v.length - LOG_ARRAY_MAX} items]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[capValue(k, max, depth + 1) as string] = capValue(x, max, depth + 1);
  return out;
}

/**
 * A sink that writes every record through {@link capLogFields} (`createApp` wraps its log in it,
 * so no field of any line it writes is longer than the caps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const lines: Record<string, unknown>[] = [];
 * const log = cappedSink((r) => lines.push(r)); // the service: cappedSink(jsonLine)
 * log({ note: "n".repeat(1000) });
 * assert.equal(JSON.stringify(lines[0]).length < 300, true);
 * ```
 */
export function cappedSink(sink: LogSink, max = LOG_FIELD_MAX): LogSink {
  return (record) => sink(capLogFields(record, max));
}

/**
 * The route label of a request: the pattern of the last route the router matched for it (a
 * registered path such as `/v1/predict`, never the raw path), or `unmatched` when only
 * middleware (`*`, `/v1/*`) matched. The set of labels is the app's route table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono();
 * app.use("*", async (_c, next) => await next());
 * app.get("/v1/model", (c) => c.text(routeLabel(c)));
 * app.notFound((c) => c.text(routeLabel(c), 404));
 * assert.equal(await (await app.request("/v1/model")).text(), "/v1/model");
 * assert.equal(await (await app.request("/v1/model/../../etc")).text(), "unmatched");
 * ```
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) if (!routes[i].path.includes("*")) return routes[i].path;
  return "unmatched";
}

/**
 * Middleware: after the request, logs `{ts, requestId, clientRequestId?, method, route, status,
 * error?, latencyMs, modelVersion, ...handler fields}` (every field capped) and records metrics
 * under the route pattern and {@link methodLabel}. `requestId` and `clientRequestId` are set by
 * `requestIds()`, mounted before it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createMetrics } from "../metrics/metrics.ts";
 * import { requestIds } from "./request_id.ts";
 * const lines: Record<string, unknown>[] = [];
 * const metrics = createMetrics();
 * const app = new Hono<{ Variables: AccessLogVariables }>();
 * app.use(requestIds());
 * app.use(accessLog((r) => lines.push(r), metrics, () => "4.0.0")); // the service logs with jsonLine
 * app.all("/healthz", (c) => c.text("ok"));
 * await app.request("/healthz", { headers: { "x-request-id": "lab-1" } });
 * await app.request("/healthz", { method: "MADE-UP-" + "X".repeat(5000) });
 * assert.equal(lines.length, 2);
 * assert.deepEqual([lines[0].route, lines[0].status, lines[0].modelVersion], ["/healthz", 200, "4.0.0"]);
 * assert.equal(lines[0].clientRequestId, "lab-1");
 * assert.ok((lines[1].method as string).length < 300);
 * const text = metrics.render(undefined, true);
 * assert.ok(text.includes('route="/healthz",method="GET",status="200"'));
 * assert.ok(text.includes('route="/healthz",method="OTHER",status="200"'));
 * ```
 */
export function accessLog(
  sink: LogSink,
  metrics: Metrics,
  modelVersion: () => string | undefined,
): MiddlewareHandler<{ Variables: AccessLogVariables }> {
  return async (c, next) => {
    const t0 = performance.now();
    c.set("log", {});
    await next();
    const latencyMs = Math.round((performance.now() - t0) * 100) / 100;
    const route = routeLabel(c);
    const status = c.res.status;
    metrics.observeRequest(route, methodLabel(c.req.method), status, latencyMs / 1000);
    const client = c.get("clientRequestId");
    try {
      sink(capLogFields({
        ts: new Date().toISOString(),
        level: status >= 500 ? "error" : "info",
        requestId: c.get("requestId"),
        ...(client ? { clientRequestId: client } : {}),
        method: c.req.method,
        route,
        status,
        ...(c.error ? { error: toApiError(c.error).code } : {}),
        latencyMs,
        modelVersion: modelVersion() ?? null,
        ...c.get("log"),
      }));
    } catch {
      // a broken log sink must not fail the request
    }
  };
}
