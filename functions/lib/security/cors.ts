/**
 * CORS for browser clients on other origins, by allowlist (`CORS_ORIGINS`). With no origins
 * configured no CORS header is ever sent, so browsers keep other sites out.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * Middleware answering preflights and adding `Access-Control-Allow-Origin` for allowed origins
 * only (`*` allows any); `undefined` when `origins` is empty (mount nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono();
 * const mw = corsAllowlist(["https://lab.example"]); // the service: config.corsOrigins (CORS_ORIGINS)
 * if (mw) app.use(mw);
 * app.get("/v1/model", (c) => c.json({}));
 * const allowed = await app.request("/v1/model", { headers: { origin: "https://lab.example" } });
 * assert.equal(allowed.headers.get("access-control-allow-origin"), "https://lab.example");
 * const other = await app.request("/v1/model", { headers: { origin: "https://elsewhere.example" } });
 * assert.equal(other.headers.get("access-control-allow-origin"), null);
 * assert.equal(corsAllowlist([]), undefined); // no origins: no CORS headers at all
 * ```
 */
export function corsAllowlist(origins: readonly string[]): MiddlewareHandler | undefined {
  if (origins.length === 0) return undefined;
  const any = origins.includes("*");
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (any ? "*" : allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "X-Client-Request-Id", "Retry-After", "RateLimit-Remaining"],
    maxAge: 600,
  });
}
