/**
 * `/`: a self-contained page (no external assets) where a person drops or chooses a cell image
 * and sees label, scores, decision, subtype and the heatmap over the image (with a toggle).
 *
 * @module
 */

/**
 * The page's HTML. It posts the file to `/v1/explain` (raw body, the file's own content type).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = new Hono();
 * app.get("/", (c) => c.html(indexPage()));
 * const html = await (await app.request("/")).text();
 * assert.match(html, /^<!doctype html>/);
 * assert.match(html, /\/v1\/explain/);
 * ```
 */
export function indexPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ALL screening</title>
<style>
[hidden]{display:none!important}
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:56rem;padding:1rem 1.5rem;color:#1d2330}
#drop{border:2px dashed #8a94a6;border-radius:8px;padding:2rem;text-align:center;cursor:pointer}
#drop.over{background:#eef4ff;border-color:#2f6fb3}
#view{position:relative;display:inline-block;margin-top:1rem;background:#222;min-width:64px;min-height:64px}
#view img{display:block;max-width:min(100%,512px);image-rendering:auto}
#heat{position:absolute;inset:0;width:100%;height:100%}
.row{display:flex;gap:2rem;flex-wrap:wrap;align-items:flex-start}
.badge{font-size:1.4rem;font-weight:700;padding:.2rem .8rem;border-radius:6px;color:#fff;display:inline-block}
.all{background:#b3261e}.normal{background:#2f8f5b}.review{background:#b7791f}
.err{color:#b3261e}table{border-collapse:collapse}td{padding:.1rem .6rem}
small{color:#5b6475}
</style></head><body>
<h1>ALL screening</h1>
<p><small>Screening aid for acute lymphoblastic leukemia on single-cell blood smear images. Not a diagnosis:
<b>review</b> means a person must look. <a href="/docs">API docs</a></small></p>
<div id="drop" tabindex="0">Drop a cell image here (BMP, PNG, JPEG, TIFF) or <u>choose a file</u>
<input id="file" type="file" accept="image/bmp,image/png,image/jpeg,image/tiff,.bmp,.png,.jpg,.jpeg,.tif,.tiff" hidden></div>
<p><label>API key (only if the service needs one): <input id="key" type="password" autocomplete="off" size="24"></label></p>
<p id="status"></p>
<div class="row">
 <div><div id="view" hidden><img id="img" alt="uploaded cell"><img id="heat" alt="heatmap"></div>
 <p id="heatctl" hidden><label><input id="toggle" type="checkbox" checked> show heatmap</label>
 <label> opacity <input id="opacity" type="range" min="0" max="100" value="80"></label></p></div>
 <div id="result"></div>
</div>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
const pct = (p) => (100 * p).toFixed(1) + "%";
$("key").value = sessionStorage.getItem("apiKey") || "";
$("key").addEventListener("change", () => sessionStorage.setItem("apiKey", $("key").value));
$("drop").addEventListener("click", () => $("file").click());
$("drop").addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") $("file").click(); });
$("drop").addEventListener("dragover", (e) => { e.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => { e.preventDefault(); $("drop").classList.remove("over"); if (e.dataTransfer.files[0]) send(e.dataTransfer.files[0]); });
$("file").addEventListener("change", () => { if ($("file").files[0]) send($("file").files[0]); });
$("toggle").addEventListener("change", () => { $("heat").hidden = !$("toggle").checked; });
$("opacity").addEventListener("input", () => { $("heat").style.opacity = $("opacity").value / 100; });
$("heat").style.opacity = 0.8;
let lastUrl;
async function send(file) {
  $("status").textContent = "Analysing…"; $("result").innerHTML = ""; $("heatctl").hidden = true;
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = URL.createObjectURL(file);
  $("img").src = lastUrl; $("heat").removeAttribute("src"); $("view").hidden = false;
  const headers = { "Content-Type": file.type || "application/octet-stream" };
  if ($("key").value) headers.Authorization = "Bearer " + $("key").value;
  try {
    const res = await fetch("/v1/explain", { method: "POST", headers, body: file });
    const body = await res.json();
    if (!res.ok) { $("status").innerHTML = '<span class="err">' + esc(body.error.code) + ": " + esc(body.error.message) + "</span>"; return; }
    $("status").textContent = "";
    $("img").onerror = () => { $("img").src = body.heatmap; $("img").style.opacity = 0; };
    $("img").style.opacity = 1;
    $("heat").src = body.heatmap; $("heat").hidden = !$("toggle").checked; $("heatctl").hidden = false;
    let html = '<p><span class="badge ' + body.decision + '">' + esc(body.decision.toUpperCase()) + "</span></p>";
    html += "<table><tr><td>label</td><td><b>" + esc(body.label) + "</b></td></tr>";
    html += "<tr><td>p(all)</td><td>" + pct(body.scores.all) + "</td></tr><tr><td>p(normal)</td><td>" + pct(body.scores.normal) + "</td></tr></table>";
    if (body.reasons) html += "<p><b>Why review:</b></p><ul>" + body.reasons.map((r) => "<li>" + esc(r) + "</li>").join("") + "</ul>";
    if (body.subtype) html += "<p><b>Subtype</b></p><table>" + Object.entries(body.subtype).sort((a, b) => b[1] - a[1]).map(([k, v]) => "<tr><td>" + esc(k) + "</td><td>" + pct(v) + "</td></tr>").join("") + "</table>";
    html += "<p><small>" + esc(body.input.format) + " " + body.input.width + "×" + body.input.height + " · model " + esc(body.model.id) + " " + esc(body.model.version) + " · " + body.timings.totalMs + " ms · request " + esc(body.requestId) + "</small></p>";
    html += "<p><small>Heatmap: red = regions that pushed the score towards <i>all</i>.</small></p>";
    $("result").innerHTML = html;
  } catch (e) { $("status").innerHTML = '<span class="err">request failed: ' + esc(e) + "</span>"; }
}
</script></body></html>`;
}
