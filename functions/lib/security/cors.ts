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
 * const mw = corsAllowlist(["https://lab.example"]);
 * if (mw) app.use(mw);
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
    exposeHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Remaining"],
    maxAge: 600,
  });
}
