/**
 * Response security headers: hono's `secureHeaders` set (nosniff, frame and referrer policies,
 * HSTS, …) plus a Content-Security-Policy per answer: `default-src 'none'` for the API, and for
 * the two self-contained HTML pages (`/`, `/docs`) a policy allowing exactly their own inline
 * script and style (by SHA-256 hash), same-origin `fetch`, and `data:`/`blob:` images (the
 * uploaded file's preview and the heatmap).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** CSP of every answer that is not an HTML page: nothing may load, nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The CSP for a self-contained HTML page: its inline `<script>` and `<style>` blocks are allowed
 * by hash (an injected script would not match), `connect-src 'self'` for the API calls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const csp = await pageCsp("<style>b{}</style><script>1</script>");
 * // "default-src 'none'; script-src 'sha256-…'; style-src 'sha256-…'; img-src 'self' data: blob:; …"
 * assert.match(csp, /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; style-src 'sha256-/);
 * ```
 */
export async function pageCsp(html: string): Promise<string> {
  const scripts = await Promise.all(inlineBlocks(html, "script").map(hashSource));
  const styles = await Promise.all(inlineBlocks(html, "style").map(hashSource));
  return [
    "default-src 'none'",
    `script-src ${scripts.join(" ") || "'none'"}`,
    `style-src ${styles.join(" ") || "'none'"}`,
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The contents of every inline `<tag>…</tag>` block (blocks with a `src` are not inline).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(inlineBlocks("<p><script>a()</script><script src='x.js'></script></p>", "script"), ["a()"]);
 * ```
 */
export function inlineBlocks(html: string, tag: "script" | "style"): string[] {
  const re = new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "gi");
  return [...html.matchAll(re)].filter((m) => !/\bsrc\s*=/i.test(m[1] ?? "")).map((m) => m[2]);
}

async function hashSource(source: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(source)));
  return `'sha256-${btoa(String.fromCharCode(...d))}'`;
}

/**
 * Middleware: secure headers on every answer, with the page CSP for the paths in `pages`
 * (path → that page's HTML) and {@link API_CSP} elsewhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { indexPage } from "../ui/index.ts";
 * const app = new Hono();
 * app.use(securityHeaders({ "/": indexPage() })); // the service: also "/docs": docsPage()
 * app.get("/", (c) => c.html(indexPage()));
 * app.get("/healthz", (c) => c.text("ok"));
 * assert.equal((await app.request("/")).headers.get("content-security-policy"), await pageCsp(indexPage()));
 * assert.equal((await app.request("/healthz")).headers.get("content-security-policy"), API_CSP);
 * ```
 */
export function securityHeaders(pages: Record<string, string>): MiddlewareHandler {
  const base = secureHeaders({ crossOriginResourcePolicy: "same-site" });
  const policies = Promise.all(Object.entries(pages).map(async ([p, html]) => [p, await pageCsp(html)] as const))
    .then((entries) => new Map(entries));
  return async (c, next) => {
    await base(c, next);
    c.res.headers.set("Content-Security-Policy", (await policies).get(c.req.path) ?? API_CSP);
  };
}
