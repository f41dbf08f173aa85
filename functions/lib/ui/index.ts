/**
 * `/`: a self-contained page (no external assets) where a reviewer drops or chooses a blood smear
 * image (a field or a cell) and sees decision, label, scores, subtype and the heatmap over the
 * image, then records their own label (`POST /v1/feedback`). After the answer, the page asks
 * `POST /v1/cells` for the image's cells: their boxes are drawn over the image, coloured by each
 * cell's call ({@link CELL_COLOURS}: Okabe–Ito colours that stay apart for colour-blind readers,
 * and a line style per call so that colour is never the only cue), with a legend; the field's
 * summary and the list of cells sit beside it, and choosing a cell (in the list or on the image)
 * shows its scores and highlights its box.
 *
 * The heatmap is drawn at 35% opacity (a slider changes it) with a legend, and is hidden by default
 * (a toggle shows it) when the answer is `normal` or out of the model's domain: there is no ALL
 * evidence to localise then, and the map's relative colour scale would still paint its strongest
 * area red. An error clears the previous result. Above the drop zone the page names the served
 * model (from `GET /readyz`, a lab's recalibration included) and lists the model's warnings, if
 * any. Everything the page runs is in its one inline script and style block (the CSP allows them
 * by hash: no inline `style=`/`on…=` attributes).
 *
 * @module
 */
import { jetCssGradient } from "../heatmap/colormap.ts";
import { faviconLink } from "./favicon.ts";

/**
 * The heatmap's opacity when a result is shown, in percent (the slider starts here).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(indexPage().includes(`id="opacity" type="range" min="0" max="100" value="${HEATMAP_OPACITY_PERCENT}"`));
 * ```
 */
export const HEATMAP_OPACITY_PERCENT = 35;

/**
 * How a cell's box is drawn for each call: Okabe–Ito colours (distinct under the common
 * colour-vision deficiencies) and a line style of its own, so colour is never the only cue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(Object.keys(CELL_COLOURS), ["all", "normal", "review"]);
 * assert.ok(indexPage().includes(`.cell.all rect{stroke:${CELL_COLOURS.all.colour}`));
 * ```
 */
export const CELL_COLOURS = {
  all: { colour: "#D55E00", dash: "none", name: "vermillion, solid" },
  normal: { colour: "#0072B2", dash: "1 3", name: "blue, dotted" },
  review: { colour: "#E69F00", dash: "6 3", name: "orange, dashed" },
} as const;

const cellCss = Object.entries(CELL_COLOURS).map(([k, v]) =>
  `.cell.${k} rect{stroke:${v.colour};stroke-dasharray:${v.dash}}.chip.c-${k}{background:${v.colour}}` +
  `.key.k-${k} line{stroke:${v.colour};stroke-dasharray:${v.dash}}`
).join("");

/**
 * The page's HTML. It posts the file to `/v1/explain` (raw body, the file's own content type) and
 * the reviewer's label to `/v1/feedback`, both with the API key field's bearer key when filled.
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
 * assert.match(html, /\/v1\/feedback/);
 * ```
 */
export function indexPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ALL screening</title>
${faviconLink()}
<style>
[hidden]{display:none!important}
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1d2330}
#drop{border:2px dashed #8a94a6;border-radius:8px;padding:2rem;text-align:center;cursor:pointer}
#drop.over{background:#eef4ff;border-color:#2f6fb3}
#view{position:relative;width:min(100%,448px);margin-top:1rem;background:#222;min-height:64px}
#view img{display:block;width:100%;height:auto}
#heat{position:absolute;inset:0;width:100%;height:100%}
.row{display:flex;gap:2rem;flex-wrap:wrap;align-items:flex-start}
#left{flex:0 1 448px;min-width:16rem}#right{flex:1 1 18rem;min-width:16rem}
.badge{font-size:1.4rem;font-weight:700;padding:.2rem .8rem;border-radius:6px;color:#fff;display:inline-block}
.all{background:#b3261e}.normal{background:#2f8f5b}.review{background:#b7791f}
.err{color:#b3261e;font-weight:600}.ok{color:#2f6f4b;font-weight:600}
table{border-collapse:collapse}td{padding:.1rem .6rem}
small,.hint{color:#5b6475;font-size:.85rem}
#warnings{background:#fff4e5;border:1px solid #b7791f;border-radius:6px;padding:.4rem .6rem .4rem 1.6rem;margin:.4rem 0}
#heatctl label{margin-right:1rem}
#legend{display:grid;grid-template-columns:auto 1fr auto;gap:.2rem .5rem;align-items:center;margin:.4rem 0}
#legend .bar{height:.8rem;border-radius:3px;background:${jetCssGradient(9)}}
#legend p{grid-column:1/4;margin:0}
#muted{background:#f1f3f6;border-left:4px solid #8a94a6;padding:.3rem .6rem}
#feedback{border:1px solid #d5dae3;border-radius:6px;padding:.6rem .9rem;margin-top:1rem;max-width:26rem}
#feedback textarea,#feedback input[type=text]{width:100%;box-sizing:border-box}
#feedback button{font:inherit;padding:.3rem .9rem;margin:.4rem .4rem 0 0;border-radius:5px;border:1px solid #8a94a6;cursor:pointer}
#feedback button.all{color:#fff;border-color:#b3261e}#feedback button.normal{color:#fff;border-color:#2f8f5b}
#feedback button:disabled{opacity:.5;cursor:wait}
#boxes{position:absolute;inset:0;width:100%;height:100%;overflow:visible}
.cell{cursor:pointer}
.cell rect{fill:transparent;stroke-width:2.5px;vector-effect:non-scaling-stroke;stroke-linecap:round}
.cell text{fill:#fff;stroke:#000;stroke-width:2px;paint-order:stroke;vector-effect:non-scaling-stroke;font-weight:700}
.cell.sel rect{stroke-width:5px}
.cell:not(.sel) rect.halo{stroke:none}
.cell.sel rect.halo{stroke:#fff;stroke-width:9px;stroke-dasharray:none}
#cellkey{display:flex;gap:1rem;flex-wrap:wrap;margin:.4rem 0}
#cellkey svg{vertical-align:middle}.key line{stroke-width:3px;stroke-linecap:round}
#cells{margin-top:1rem;border-top:1px solid #d5dae3;padding-top:.5rem}
#cells h2{font-size:1.1rem;margin:.2rem 0}
#celllist{list-style:none;padding:0;margin:.4rem 0;max-height:18rem;overflow:auto}
#celllist button{font:inherit;width:100%;text-align:left;background:#fff;border:1px solid #d5dae3;border-radius:5px;padding:.15rem .5rem;margin:.1rem 0;cursor:pointer}
#celllist button[aria-pressed=true]{border-color:#1d2330;box-shadow:0 0 0 2px #1d2330 inset}
.chip{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;border:1px solid #1d2330;margin-right:.4rem;vertical-align:-1px}
#celldetail{background:#f6f7f9;border-radius:6px;padding:.4rem .7rem}
${cellCss}
</style></head><body>
<h1>ALL screening</h1>
<p id="use">A screening aid for acute lymphoblastic leukemia on peripheral blood smear images (a microscope
field or a single cell): it flags images for a qualified person, who verifies every call. <b>Not a diagnosis.</b>
<b>review</b> means a person must look. <a href="/docs">API docs</a></p>
<p id="served" class="hint"></p>
<ul id="warnings" hidden></ul>
<div id="drop" tabindex="0">Drop a blood smear image here (BMP, PNG, JPEG, TIFF) or <u>choose a file</u>
<input id="file" type="file" accept="image/bmp,image/png,image/jpeg,image/tiff,.bmp,.png,.jpg,.jpeg,.tif,.tiff" hidden></div>
<p><label>API key (only if the service needs one): <input id="key" type="password" autocomplete="off" size="24"></label></p>
<p id="status" role="status"></p>
<div class="row">
 <div id="left"><div id="view" hidden><img id="img" alt="uploaded image"><img id="heat" alt="heatmap" hidden><svg id="boxes" preserveAspectRatio="none" role="img" aria-label="located cells" hidden></svg></div>
 <div id="boxctl" hidden>
  <label><input id="showboxes" type="checkbox" checked> show cell boxes</label>
  <span class="hint">outlined by the cell model's call; choose a cell on the image or in the list for its scores</span>
  <div id="cellkey">${
    Object.entries(CELL_COLOURS).map(([k, v]) =>
      `<span class="key k-${k}" title="${v.name}"><svg width="28" height="10" aria-hidden="true"><line x1="2" y1="5" x2="26" y2="5"/></svg> ${k}</span>`
    ).join("")
  }</div>
 </div>
 <div id="heatctl" hidden>
  <p id="muted" hidden></p>
  <label><input id="toggle" type="checkbox"> show heatmap</label>
  <label>opacity <input id="opacity" type="range" min="0" max="100" value="${HEATMAP_OPACITY_PERCENT}"> <output id="opacityval">${HEATMAP_OPACITY_PERCENT}%</output></label>
  <div id="legend"><span class="hint">low</span><span class="bar"></span><span class="hint">high</span>
  <p class="hint">Where the model saw evidence for <b>ALL</b> in this image, from its lowest (blue) to its highest
  (red). The scale is relative to this image: red marks its strongest area even when the whole image speaks for
  normal, so read it with the answer. The map is coarse, and areas near the right and bottom edges can read
  warmer than their content (an artefact of the model's padding), so judge the cells, not the colours.</p></div>
 </div></div>
 <div id="right"><div id="result"></div>
 <section id="cells" hidden>
  <h2>Cells</h2>
  <p id="cellstatus" role="status"></p>
  <div id="cellsum"></div>
  <ol id="celllist"></ol>
  <div id="celldetail" hidden></div>
 </section>
 <form id="feedback" hidden>
  <b>Your label</b> <span class="hint">(recorded with this request for the audit trail and retraining)</span>
  <p><label>Note (optional)<br><textarea id="note" rows="2" maxlength="2000"></textarea></label></p>
  <p><label>Reviewer (optional) <input id="reviewer" type="text" maxlength="200" autocomplete="off"></label></p>
  <p><label>Case (optional) <input id="case" type="text" maxlength="64" pattern="[A-Za-z0-9._:\\-]{1,64}" autocomplete="off" title="your lab's pseudonymous case key: letters, digits . _ : - (never a name)"></label> <span class="hint">keeps a case's images together for retraining and recalibration; never a name</span></p>
  <button type="submit" class="all" value="all">Record: ALL</button><button type="submit" class="normal" value="normal">Record: normal</button>
  <p class="hint">Not sure? Record nothing: only definite labels are kept.</p>
  <p id="fbstatus" role="status"></p>
 </form></div>
</div>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
const pct = (p) => (100 * p).toFixed(1) + "%";
const remember = (id) => { $(id).value = sessionStorage.getItem(id) || ""; $(id).addEventListener("change", () => sessionStorage.setItem(id, $(id).value)); };
remember("key"); remember("reviewer"); remember("case");
const auth = (headers) => { if ($("key").value) headers.Authorization = "Bearer " + $("key").value; return headers; };
const errorText = async (res) => {
  try { const b = await res.json(); if (b && b.error) return b.error.code + ": " + b.error.message; } catch {}
  return "HTTP " + res.status + " " + res.statusText;
};
// the served model and what the operator should know about it (GET /readyz needs no key)
async function showServed() {
  try {
    const res = await fetch("/readyz");
    const b = await res.json().catch(() => null);
    if (!res.ok || !b || !b.model) { $("served").innerHTML = '<span class="err">The service is not ready: ' + esc(b && b.error ? b.error.message : "HTTP " + res.status) + "</span>"; return; }
    const lab = b.model.version.split("+lab.")[1];
    $("served").textContent = "Model " + b.model.id + " " + b.model.version + (lab ? " (operating point recalibrated for the lab " + lab + ")" : "");
    const ws = Array.isArray(b.warnings) ? b.warnings : [];
    $("warnings").replaceChildren(...ws.map((w) => { const li = document.createElement("li"); li.textContent = w.message; li.dataset.code = w.code; return li; }));
    $("warnings").hidden = ws.length === 0;
  } catch (e) { $("served").innerHTML = '<span class="err">The service did not answer: ' + esc(e) + "</span>"; }
}
showServed();
$("drop").addEventListener("click", () => $("file").click());
$("drop").addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") $("file").click(); });
$("drop").addEventListener("dragover", (e) => { e.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => { e.preventDefault(); $("drop").classList.remove("over"); if (e.dataTransfer.files[0]) send(e.dataTransfer.files[0]); });
$("file").addEventListener("change", () => { if ($("file").files[0]) send($("file").files[0]); $("file").value = ""; });
const showHeat = () => { $("heat").hidden = !$("toggle").checked || !$("heat").getAttribute("src"); };
const setOpacity = () => { $("heat").style.opacity = $("opacity").value / 100; $("opacityval").textContent = $("opacity").value + "%"; };
$("toggle").addEventListener("change", showHeat);
$("opacity").addEventListener("input", setOpacity);
setOpacity();
let lastUrl, shown, seq = 0;
function clearCells() {
  $("boxes").replaceChildren(); $("boxes").toggleAttribute("hidden", true); $("boxctl").hidden = true;
  $("cells").hidden = true; $("cellstatus").textContent = ""; $("cellsum").innerHTML = "";
  $("celllist").replaceChildren(); $("celldetail").hidden = true; $("celldetail").innerHTML = "";
}
function clearResult() {
  shown = undefined;
  clearCells();
  $("view").hidden = true; $("img").onerror = null; $("img").removeAttribute("src"); $("img").style.opacity = 1;
  $("heat").removeAttribute("src"); $("heat").hidden = true;
  $("heatctl").hidden = true; $("muted").hidden = true; $("result").innerHTML = "";
  $("feedback").hidden = true; $("fbstatus").textContent = ""; $("note").value = "";
  if (lastUrl) { URL.revokeObjectURL(lastUrl); lastUrl = undefined; }
}
function fail(message) { clearResult(); $("status").innerHTML = '<span class="err">' + esc(message) + "</span>"; }
async function send(file) {
  const mine = ++seq;
  clearResult();
  $("status").textContent = "Analysing…";
  lastUrl = URL.createObjectURL(file);
  let previewFailed = false;
  $("img").onerror = () => { previewFailed = true; if (shown) usePreviewFallback(); };
  $("img").src = lastUrl; $("view").hidden = false;
  let res, body;
  try {
    res = await fetch("/v1/explain", { method: "POST", headers: auth({ "Content-Type": file.type || "application/octet-stream" }), body: file });
    if (mine !== seq) return;
    if (!res.ok) return fail(await errorText(res));
    body = await res.json();
  } catch (e) { if (mine === seq) fail("request failed: " + e); return; }
  if (mine !== seq) return;
  shown = body;
  $("status").textContent = "";
  if (previewFailed) usePreviewFallback();
  render(body);
  findCells(file, mine);
}
const NS = $("boxes").namespaceURI; // SVG's, as the HTML parser gave it
const svgEl = (tag, attrs) => { const e = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
async function findCells(file, mine) {
  $("cells").hidden = false;
  $("cellstatus").textContent = "Finding cells…";
  let body;
  try {
    const res = await fetch("/v1/cells", { method: "POST", headers: auth({ "Content-Type": file.type || "application/octet-stream" }), body: file });
    if (mine !== seq) return;
    if (!res.ok) { $("cellstatus").innerHTML = '<span class="err">No cells: ' + esc(await errorText(res)) + "</span>"; return; }
    body = await res.json();
  } catch (e) { if (mine === seq) $("cellstatus").innerHTML = '<span class="err">No cells: request failed: ' + esc(e) + "</span>"; return; }
  if (mine !== seq) return;
  $("cellstatus").textContent = "";
  renderCells(body);
}
function renderCells(body) {
  const { width, height } = body.input, svg = $("boxes");
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  const fs = Math.max(8, Math.max(width, height) / 24);
  svg.replaceChildren(...body.cells.map((c, i) => {
    const g = svgEl("g", { class: "cell " + c.decision, "data-i": i });
    const box = { x: c.box.x, y: c.box.y, width: c.box.width, height: c.box.height };
    const title = svgEl("title", {}); title.textContent = "cell " + (i + 1) + ": " + c.decision + ", p(all) " + pct(c.scores.all);
    g.append(title, svgEl("rect", { ...box, class: "halo" }), svgEl("rect", box));
    const t = svgEl("text", { x: c.box.x + 2, y: c.box.y + fs, "font-size": fs }); t.textContent = String(i + 1);
    g.append(t);
    g.addEventListener("click", () => selectCell(body, i));
    return g;
  }));
  svg.toggleAttribute("hidden", !$("showboxes").checked); $("boxctl").hidden = false;
  const s = body.summary;
  let html = '<p><span class="badge ' + esc(s.decision) + '">FIELD: ' + esc(s.decision.toUpperCase()) + "</span></p>";
  html += "<p>" + s.cells + " cell" + (s.cells === 1 ? "" : "s") + " classified: <b>" + s.all + "</b> all · " + s.normal + " normal · " + s.review + " review";
  if (s.blastFraction !== null) html += " · blast fraction " + pct(s.blastFraction);
  html += "</p>";
  if (body.locator.capped) html += '<p class="hint">' + body.locator.found + " cells found; the " + s.cells + " largest were classified (MAX_CELLS).</p>";
  if (s.reasons) html += "<ul>" + s.reasons.map((r) => "<li>" + esc(r) + "</li>").join("") + "</ul>";
  html += "<p><small>cell model " + esc(body.model.id) + " " + esc(body.model.version) + " · " + body.timings.totalMs + " ms</small></p>";
  $("cellsum").innerHTML = html;
  $("celllist").replaceChildren(...body.cells.map((c, i) => {
    const li = document.createElement("li"), b = document.createElement("button");
    b.type = "button"; b.dataset.i = String(i); b.setAttribute("aria-pressed", "false");
    b.innerHTML = '<span class="chip c-' + esc(c.decision) + '"></span>' + (i + 1) + " · " + esc(c.decision) + " · p(all) " + pct(c.scores.all);
    b.addEventListener("click", () => selectCell(body, i));
    li.append(b);
    return li;
  }));
}
function selectCell(body, i) {
  const c = body.cells[i];
  for (const g of $("boxes").querySelectorAll(".cell")) g.classList.toggle("sel", g.dataset.i === String(i));
  const sel = $("boxes").querySelector('.cell[data-i="' + i + '"]');
  if (sel) $("boxes").append(sel); // drawn last: on top of its neighbours
  for (const b of $("celllist").querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.i === String(i)));
  let html = "<b>Cell " + (i + 1) + '</b> <span class="chip c-' + esc(c.decision) + '"></span>' + esc(c.decision);
  html += "<table><tr><td>label</td><td><b>" + esc(c.label) + "</b></td></tr><tr><td>p(all)</td><td>" + pct(c.scores.all) + "</td></tr><tr><td>p(normal)</td><td>" + pct(c.scores.normal) + "</td></tr>";
  html += "<tr><td>box</td><td>" + c.box.x + ", " + c.box.y + " · " + c.box.width + "×" + c.box.height + " px</td></tr></table>";
  if (c.reasons) html += "<ul>" + c.reasons.map((r) => "<li>" + esc(r) + "</li>").join("") + "</ul>";
  $("celldetail").innerHTML = html; $("celldetail").hidden = false;
}
$("showboxes").addEventListener("change", () => { $("boxes").toggleAttribute("hidden", !$("showboxes").checked || !$("boxes").childElementCount); });
// the browser cannot draw every upload (TIFF): the heatmap then sizes the view alone
function usePreviewFallback() { $("img").onerror = null; $("img").src = shown.heatmap; $("img").style.opacity = 0; }
function render(body) {
  const outOfDomain = body.decision === "review" && (body.reasons || []).some((r) => String(r).startsWith("out_of_domain"));
  const muted = body.decision === "normal" ? "The answer is normal: there is no ALL evidence to localise, so the heatmap is hidden."
    : outOfDomain ? "The image is outside the model's domain: its heatmap means little, so it is hidden." : "";
  $("heat").src = body.heatmap;
  $("toggle").checked = !muted;
  $("muted").textContent = muted; $("muted").hidden = !muted;
  showHeat(); $("heatctl").hidden = false;
  let html = '<p><span class="badge ' + esc(body.decision) + '">' + esc(body.decision.toUpperCase()) + "</span></p>";
  html += "<table><tr><td>label</td><td><b>" + esc(body.label) + "</b></td></tr>";
  html += "<tr><td>p(all)</td><td>" + pct(body.scores.all) + "</td></tr><tr><td>p(normal)</td><td>" + pct(body.scores.normal) + "</td></tr></table>";
  if (body.reasons) html += "<p><b>Why review:</b></p><ul>" + body.reasons.map((r) => "<li>" + esc(r) + "</li>").join("") + "</ul>";
  if (body.subtype) html += "<p><b>Subtype</b></p><table>" + Object.entries(body.subtype).sort((a, b) => b[1] - a[1]).map(([k, v]) => "<tr><td>" + esc(k) + "</td><td>" + pct(v) + "</td></tr>").join("") + "</table>";
  html += "<p><small>" + esc(body.input.format) + " " + body.input.width + "×" + body.input.height + " · model " + esc(body.model.id) + " " + esc(body.model.version) + " · " + body.timings.totalMs + " ms · request " + esc(body.requestId) + "</small></p>";
  $("result").innerHTML = html;
  $("feedback").hidden = false;
}
$("feedback").addEventListener("submit", async (e) => {
  e.preventDefault();
  const p = shown, label = e.submitter && e.submitter.value;
  if (!p || (label !== "all" && label !== "normal")) return;
  const payload = { requestId: p.requestId, inputSha256: p.input.sha256, label };
  if ($("note").value.trim()) payload.note = $("note").value.trim();
  if ($("reviewer").value.trim()) payload.reviewer = $("reviewer").value.trim();
  if ($("case").value.trim()) payload.caseId = $("case").value.trim();
  const buttons = [...$("feedback").querySelectorAll("button")];
  buttons.forEach((b) => b.disabled = true);
  $("fbstatus").textContent = "Recording…";
  try {
    const res = await fetch("/v1/feedback", { method: "POST", headers: auth({ "Content-Type": "application/json" }), body: JSON.stringify(payload) });
    if (shown !== p) return;
    if (!res.ok) { $("fbstatus").innerHTML = '<span class="err">Not recorded: ' + esc(await errorText(res)) + "</span>"; return; }
    const r = await res.json();
    $("fbstatus").innerHTML = '<span class="ok">Recorded: ' + esc(r.label) + "</span> (" + (r.agrees ? "agrees with" : "differs from") + " the model's " + esc(r.prediction.label) + ") · <small>" + esc(r.id) + "</small>";
  } catch (err) { if (shown === p) $("fbstatus").innerHTML = '<span class="err">Not recorded: request failed: ' + esc(err) + "</span>"; }
  finally { buttons.forEach((b) => b.disabled = false); }
});
</script></body></html>`;
}
