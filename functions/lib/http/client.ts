/**
 * Who is calling: the identity rate limits are counted against.
 *
 * @module
 */
import type { Context } from "hono";

/**
 * The caller's address: the socket's peer address under `Deno.serve` (passed as the app's env),
 * else Cloudflare's `CF-Connecting-IP` (set by the edge, not by the client), else `unknown`.
 * `X-Forwarded-For` is not trusted: any client can write it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono();
 * app.get("/", (c) => c.text(clientAddress(c)));
 * // on Deno, Hono's env is Deno.serve's handler info (the peer address)
 * const env = { remoteAddr: { hostname: "203.0.113.7" } };
 * assert.equal(await (await app.request("/", {}, env)).text(), "203.0.113.7");
 * // on Workers, Cloudflare's header
 * const viaWorkers = await app.request("/", { headers: { "cf-connecting-ip": "198.51.100.2" } });
 * assert.equal(await viaWorkers.text(), "198.51.100.2");
 * ```
 */
export function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  const peer = env?.remoteAddr?.hostname;
  if (typeof peer === "string" && peer) return peer;
  return c.req.header("cf-connecting-ip")?.trim() || "unknown";
}

/**
 * The rate-limit identity of a request: with `keyed` (API keys are configured and authentication
 * has already passed) its bearer key as a SHA-256 hex digest, so the key itself is never kept;
 * otherwise its client address (without keys, a made-up bearer must not buy a fresh bucket).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono();
 * const keyed = true; // the service: config.apiKeys.length > 0
 * app.get("/", async (c) => c.text(await clientIdentity(c, keyed)));
 * const env = { remoteAddr: { hostname: "203.0.113.7" } };
 * assert.equal(await (await app.request("/", {}, env)).text(), "ip:203.0.113.7");
 * const byKey = await (await app.request("/", { headers: { authorization: "Bearer test" } }, env)).text();
 * assert.equal(byKey, "key:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"); // sha256("test")
 * ```
 */
export async function clientIdentity(c: Context, keyed: boolean): Promise<string> {
  const m = keyed ? /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "") : null;
  if (!m) return `ip:${clientAddress(c)}`;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(m[1])));
  return `key:${Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
