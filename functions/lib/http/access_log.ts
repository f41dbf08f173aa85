/**
 * One structured JSON line per request, plus the request metrics. Handlers add fields
 * (input hash, label, decision) with `c.set("log", {...})`; image bytes and file names are never
 * logged, nor are keys.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { Metrics } from "../metrics/metrics.ts";

/** Fields a handler may add to its request's log line. */
export interface LogFields {
  inputSha256?: string | string[];
  label?: string | string[];
  decision?: string | string[];
  [k: string]: unknown;
}

/** Context variables this middleware reads. */
export interface AccessLogVariables {
  requestId: string;
  /** Route pattern for logs and metrics (set by each route; `unmatched` otherwise). */
  route: string;
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

/**
 * Middleware: after the request, logs `{ts, requestId, method, route, status, latencyMs,
 * modelVersion, ...handler fields}` and records metrics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createMetrics } from "../metrics/metrics.ts";
 * const lines: Record<string, unknown>[] = [];
 * const metrics = createMetrics();
 * const app = new Hono<{ Variables: AccessLogVariables }>();
 * app.use(accessLog((r) => lines.push(r), metrics, () => "4.0.0")); // the service logs with jsonLine
 * app.get("/healthz", (c) => {
 *   c.set("route", "/healthz");
 *   return c.text("ok");
 * });
 * await app.request("/healthz");
 * assert.equal(lines.length, 1);
 * assert.deepEqual([lines[0].route, lines[0].status, lines[0].modelVersion], ["/healthz", 200, "4.0.0"]);
 * assert.ok(metrics.render(undefined, true).includes('route="/healthz",method="GET",status="200"'));
 * ```
 */
export function accessLog(
  sink: LogSink,
  metrics: Metrics,
  modelVersion: () => string | undefined,
): MiddlewareHandler<{ Variables: AccessLogVariables }> {
  return async (c, next) => {
    const t0 = performance.now();
    c.set("route", "unmatched");
    c.set("log", {});
    await next();
    const latencyMs = Math.round((performance.now() - t0) * 100) / 100;
    const route = c.get("route");
    metrics.observeRequest(route, c.req.method, c.res.status, latencyMs / 1000);
    try {
      sink({
        ts: new Date().toISOString(),
        level: c.res.status >= 500 ? "error" : "info",
        requestId: c.get("requestId"),
        method: c.req.method,
        route,
        status: c.res.status,
        latencyMs,
        modelVersion: modelVersion() ?? null,
        ...c.get("log"),
      });
    } catch {
      // a broken log sink must not fail the request
    }
  };
}
