/**
 * `/docs`: a self-contained HTML page (no CDN, no external assets) that renders `/openapi.json`.
 *
 * @module
 */
import { faviconLink } from "./favicon.ts";

/**
 * The docs page's HTML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono();
 * app.get("/docs", (c) => c.html(docsPage()));
 * const res = await app.request("/docs");
 * assert.equal(res.headers.get("content-type"), "text/html; charset=UTF-8");
 * ```
 */
export function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>API docs · ALL screening</title>
${faviconLink()}
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1d2330}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.op{border:1px solid #d5dae3;border-radius:6px;margin:.8rem 0;padding:.6rem .9rem}
.m{display:inline-block;min-width:4rem;font-weight:700;color:#fff;border-radius:4px;padding:0 .4rem;text-align:center}
.GET{background:#2f6fb3}.POST{background:#2f8f5b}code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f5f7fa;padding:.6rem;overflow:auto;border-radius:4px}table{border-collapse:collapse}td{padding:.1rem .6rem;vertical-align:top}
</style></head><body>
<h1 id="title">API</h1><p id="desc"></p><p><a href="/openapi.json">openapi.json</a> · <a href="/">try an image</a></p>
<div id="ops"></div><h2>Schemas</h2><div id="schemas"></div>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
fetch("/openapi.json").then((r) => r.json()).then((spec) => {
  document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
  document.getElementById("desc").textContent = spec.info.description;
  let html = "";
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const M = method.toUpperCase();
      html += '<div class="op"><span class="m ' + M + '">' + M + "</span> <code>" + esc(path) + "</code> — " + esc(op.summary || "");
      if (op.requestBody) html += "<p>Body: " + Object.keys(op.requestBody.content).map((t) => "<code>" + esc(t) + "</code>").join(", ") + "</p>";
      html += "<table>" + Object.entries(op.responses).map(([s, r]) => "<tr><td><b>" + s + "</b></td><td>" + esc(r.description) + "</td></tr>").join("") + "</table></div>";
    }
  }
  document.getElementById("ops").innerHTML = html;
  document.getElementById("schemas").innerHTML = Object.entries(spec.components.schemas)
    .map(([n, s]) => "<h3>" + esc(n) + "</h3><pre>" + esc(JSON.stringify(s, null, 2)) + "</pre>").join("");
}).catch((e) => { document.getElementById("desc").textContent = "could not load /openapi.json: " + e; });
</script></body></html>`;
}
