/**
 * `POST /v1/cells` end to end through the app: real fixtures (Taleqani fields, C-NMC cells),
 * synthetic fields whose cells sit at known places, the summary rule with a scripted cell model,
 * the cap, hostile images (thousands of specks, one image-wide blob, noise, blank), the same body
 * rules, limits, auth, rate limit, budget, audit trail and metrics as `/v1/predict`, and the cell
 * model missing (503 `cells_unavailable`, `/readyz` warns) or still loading. The Deno entry with
 * `CELL_MODEL` set and with it missing, and a decode worker giving the same answer as the request
 * thread.
 */
import assert from "node:assert/strict";
import { type AppDeps, createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { serve } from "../functions/deno.ts";
import { createDecodePool } from "../functions/lib/decode/pool.ts";
import type { ImageDecoder } from "../functions/lib/decode/job.ts";
import { encodeBmp, type ModelRuntime } from "../model/core/mod.ts";
import { fakeCard, fakeRuntime } from "./helpers/fake_model.ts";
import { fixture, pngHeaderOnly, solidPng } from "./helpers/images.ts";
import { TINY_MODEL, tinyModel } from "./helpers/model.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const EARLY = "taleqani_Early_WBC-Malignant-Early-001.jpg";
const BENIGN = "taleqani_Benign_WBC-Benign-001.jpg";
const CNMC = ["cnmc_all_UID_35_6_2_all.bmp", "cnmc_all_UID_35_6_2_all.png", "cnmc_hem_UID_H10_100_1_hem.png"];

// deno-lint-ignore no-explicit-any
type Json = any;
type App = ReturnType<typeof createApp>;

function app(cells: AppDeps["cells"], env: Record<string, string> = {}, more: Partial<AppDeps> = {}): App {
  return createApp({ model: tinyModel(), cells, config: loadConfig(env), log: () => {}, ...more });
}

async function post(a: App, body: BodyInit, type?: string, headers: Record<string, string> = {}): Promise<Response> {
  return await a.request("/v1/cells", {
    method: "POST",
    body,
    headers: { ...(type ? { "content-type": type } : {}), ...headers },
  });
}

async function ok(res: Response): Promise<Json> {
  const text = await res.text();
  assert.equal(res.status, 200, text.slice(0, 400));
  return JSON.parse(text);
}

/**
 * A pale field `width`×`height` with purple discs (lymphoid-cell colours) at `discs`: centre and
 * radius (default `r`).
 */
function field(width: number, height: number, discs: ([number, number] | [number, number, number])[], r = 12) {
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([236, 226, 232, 255], p * 4);
  for (const [cx, cy, radius = r] of discs) {
    for (let y = Math.max(0, cy - radius); y <= Math.min(height - 1, cy + radius); y++) {
      for (let x = Math.max(0, cx - radius); x <= Math.min(width - 1, cx + radius); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) data.set([115, 77, 179, 255], (y * width + x) * 4);
      }
    }
  }
  return bmpOf(width, height, data);
}

/** An RGBA image as a BMP (the core's encoder: exact, and fast for large synthetic images). */
function bmpOf(width: number, height: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeBmp({ width, height, data });
}

/** A cell model that answers the logits in `logits`, one per cell in the answer's order (then 0). */
function scripted(logits: number[]): ModelRuntime & { calls: number } {
  let i = 0;
  return fakeRuntime(fakeCard({ id: "cells-fake", version: "9.9.9" }), () => logits[i++] ?? 0);
}

const inside = (box: Json, w: number, h: number) =>
  box.x >= 0 && box.y >= 0 && box.width >= 1 && box.height >= 1 && box.x + box.width <= w &&
  box.y + box.height <= h;

Deno.test("/v1/cells: Taleqani fields — several cells, boxes inside the image, one answer per cell, the summary by the rule", async () => {
  const cellModel = await tinyModel();
  const a = app(cellModel);
  for (const name of [EARLY, BENIGN]) {
    const res = await post(a, await fixture(name), "image/jpeg");
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = await ok(res);
    assert.equal(body.requestId, res.headers.get("x-request-id"));
    assert.deepEqual(body.input.format, "jpeg");
    const { width, height } = body.input;
    assert.ok(body.cells.length >= 3 && body.cells.length <= 12, `${name}: ${body.cells.length} cells`);
    assert.deepEqual(body.locator, { background: "field", found: body.cells.length, capped: false, maxCells: 32 });
    for (const c of body.cells) {
      assert.ok(inside(c.box, width, height), `${name}: ${JSON.stringify(c.box)}`);
      assert.ok(Math.abs(c.scores.all + c.scores.normal - 1) < 1e-9);
      assert.ok(["all", "normal", "review"].includes(c.decision));
    }
    // top to bottom, then left to right
    for (let i = 1; i < body.cells.length; i++) {
      const [p, q] = [body.cells[i - 1].box, body.cells[i].box];
      assert.ok(p.y < q.y || (p.y === q.y && p.x <= q.x), `${name}: order at ${i}`);
    }
    const s = body.summary;
    assert.equal(s.cells, body.cells.length);
    assert.equal(s.all + s.normal + s.review, s.cells);
    assert.equal(s.all, body.cells.filter((c: Json) => c.decision === "all").length);
    assert.equal(s.blastFraction, s.all / s.cells);
    const want = s.all > 0 ? "all" : s.review > 0 ? "review" : "normal";
    assert.equal(s.decision, want);
    assert.deepEqual(body.model, {
      id: cellModel.card.id,
      version: cellModel.card.version,
      sha256: cellModel.card.sha256,
    });
    for (const k of ["decodeMs", "locateMs", "classifyMs", "totalMs"]) assert.equal(typeof body.timings[k], "number");
    assert.ok(body.timings.totalMs >= body.timings.locateMs);
  }
});

Deno.test("/v1/cells: a C-NMC-style image (one cell on black) gives exactly one cell, read as black", async () => {
  const a = app(await tinyModel());
  for (const name of [...CNMC, "full_rgb_lzw.tif"]) {
    const body = await ok(await post(a, await fixture(name), "application/octet-stream"));
    assert.equal(body.cells.length, 1, name);
    assert.deepEqual([body.locator.background, body.locator.found, body.summary.cells], ["black", 1, 1], name);
    const { box } = body.cells[0];
    // the cell sits in the middle of the 450×450 image, far from its edges
    assert.ok(box.x > 50 && box.y > 50 && box.x + box.width < 400 && box.y + box.height < 400, JSON.stringify(box));
    assert.equal(body.summary.decision, body.cells[0].decision, name);
  }
});

Deno.test("/v1/cells: boxes are in the upload's pixels (a 300×200 field, discs at known centres)", async () => {
  const centres: [number, number][] = [[40, 30], [250, 50], [150, 160]];
  const body = await ok(await post(app(await tinyModel()), field(300, 200, centres), "image/bmp"));
  assert.deepEqual([body.input.width, body.input.height], [300, 200]);
  assert.equal(body.cells.length, 3);
  // in reading order: by the box's top edge, then its left
  const boxes = body.cells.map((c: Json) => c.box);
  const expected = [[40, 30], [250, 50], [150, 160]];
  for (const [i, [cx, cy]] of expected.entries()) {
    const b = boxes[i];
    assert.ok(Math.abs(b.x + (b.width - 1) / 2 - cx) <= 1, `cell ${i} x: ${JSON.stringify(b)}`);
    assert.ok(Math.abs(b.y + (b.height - 1) / 2 - cy) <= 1, `cell ${i} y: ${JSON.stringify(b)}`);
    assert.ok(b.width >= 23 && b.width <= 26 && b.height >= 23 && b.height <= 26, JSON.stringify(b));
  }
});

Deno.test("/v1/cells: the summary — a scripted cell model's answers give all, normal, review", async () => {
  const centres: [number, number][] = [[30, 30], [100, 30], [170, 30]];
  const image = field(200, 80, centres);
  const cases: [number[], string, number, string[]][] = [
    [[-5, -5, -5], "normal", 0, []],
    [[-5, 5, -5], "all", 1 / 3, []],
    [[-5, 0, -5], "review", 0, []], // p = 0.5: inside the fake card's review band
    [[5, 5, 0], "all", 2 / 3, []],
  ];
  for (const [logits, decision, fraction, reasons] of cases) {
    const model = scripted(logits);
    const body = await ok(await post(app(model), image, "image/bmp"));
    assert.equal(model.calls, 3, "one run per cell");
    assert.deepEqual(
      body.cells.map((c: Json) => c.decision),
      logits.map((l) => l > 0.5 ? "all" : l < -0.5 ? "normal" : "review"),
    );
    assert.equal(body.summary.decision, decision, logits.join(","));
    assert.equal(body.summary.blastFraction, fraction);
    assert.deepEqual(body.summary.reasons ?? [], reasons);
    assert.deepEqual(body.model, { id: "cells-fake", version: "9.9.9", sha256: "f".repeat(64) });
  }
});

Deno.test("/v1/cells: MAX_CELLS — over it: the largest kept, capped, review with a reason; exactly at it: not capped", async () => {
  // three discs of radius 14 and a smaller one (radius 9) at (160, 40)
  const bytes = field(240, 160, [[40, 40, 14], [40, 120, 14], [200, 120, 14], [160, 40, 9]]);

  const at = await ok(await post(app(scripted([-5, -5, -5, -5]), { MAX_CELLS: "4" }), bytes, "image/bmp"));
  assert.deepEqual([at.cells.length, at.locator.found, at.locator.capped, at.summary.decision], [
    4,
    4,
    false,
    "normal",
  ]);
  assert.equal(at.summary.reasons, undefined);

  const over = await ok(await post(app(scripted([-5, -5, -5]), { MAX_CELLS: "3" }), bytes, "image/bmp"));
  assert.deepEqual(over.locator, { background: "field", found: 4, capped: true, maxCells: 3 });
  assert.equal(over.cells.length, 3);
  const small = at.cells.find((c: Json) => c.box.width < 22).box;
  assert.ok(!over.cells.some((c: Json) => JSON.stringify(c.box) === JSON.stringify(small)), "the smallest is left out");
  assert.equal(over.summary.decision, "review", "normal cells, but one was not looked at");
  assert.match(over.summary.reasons[0], /^capped: 4 cells found, the 3 largest classified \(MAX_CELLS=3\)/);

  const withAll = await ok(await post(app(scripted([-5, 5, -5]), { MAX_CELLS: "3" }), bytes, "image/bmp"));
  assert.deepEqual([withAll.summary.decision, withAll.locator.capped], ["all", true]);
  assert.match(withAll.summary.reasons[0], /^capped: /);

  const one = await ok(await post(app(scripted([5]), { MAX_CELLS: "1" }), await fixture(EARLY), "image/jpeg"));
  assert.deepEqual([one.cells.length, one.locator.capped, one.summary.decision], [1, true, "all"]);
  assert.ok(one.locator.found > 1);
});

Deno.test("/v1/cells: blank, noise, thousands of specks and one image-wide blob answer 200, bounded; the service stays healthy", async () => {
  const a = app(await tinyModel());
  const bmp = (w: number, h: number, px: (x: number, y: number) => [number, number, number]) => {
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([...px(x, y), 255], (y * w + x) * 4);
    return encodeBmp({ width: w, height: h, data });
  };
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
  const cases: [string, Uint8Array<ArrayBuffer>, (b: Json) => void][] = [
    ["blank white", bmp(256, 256, () => [255, 255, 255]), noCells],
    ["blank black", bmp(256, 256, () => [0, 0, 0]), noCells],
    ["uniform noise 512²", bmp(512, 512, () => [rand(), rand(), rand()]), noCells],
    // 16,384 one-pixel purple specks on a pale field: opened away, nothing left
    ["16,384 specks", bmp(512, 512, (x, y) => x % 4 === 0 && y % 4 === 0 ? [115, 77, 179] : [236, 226, 232]), noCells],
    // 7,225 3×3 purple squares: kept by the opening, dropped by the least area
    ["7,225 3×3 blobs", bmp(510, 510, (x, y) => x % 6 < 3 && y % 6 < 3 ? [115, 77, 179] : [236, 226, 232]), (b) => {
      assert.ok(b.cells.length <= 32 && b.summary.cells === b.cells.length, `${b.cells.length} cells`);
    }],
    ["one image-wide blob", bmp(300, 200, () => [115, 77, 179]), (b) => {
      assert.equal(b.cells.length, 1);
      assert.deepEqual(b.cells[0].box, { x: 0, y: 0, width: 300, height: 200 });
    }],
  ];
  for (const [name, bytes, check] of cases) {
    const body = await ok(await post(a, bytes, "application/octet-stream"));
    check(body);
    assert.ok(body.cells.length <= 32, name);
    assert.equal((await a.request("/healthz")).status, 200, `healthy after ${name}`);
  }
  // and a real field still gets the answer it got before
  const early = await fixture(EARLY);
  const before = await ok(await post(app(await tinyModel()), early, "image/jpeg"));
  const after = await ok(await post(a, early, "image/jpeg"));
  assert.deepEqual(after.cells, before.cells);

  function noCells(b: Json) {
    assert.deepEqual(b.cells, []);
    assert.deepEqual([b.summary.cells, b.summary.blastFraction, b.summary.decision], [0, null, "review"]);
    assert.equal(b.summary.reasons.length, 1);
    assert.match(b.summary.reasons[0], /^no_cells: /);
    assert.deepEqual([b.locator.found, b.locator.capped], [0, false]);
  }
});

Deno.test("/v1/cells: raw, multipart and JSON base64 bodies give the same cells", async () => {
  const a = app(await tinyModel());
  const jpeg = await fixture(EARLY);
  const raw = await ok(await post(a, jpeg, "image/jpeg"));
  const form = new FormData();
  form.append("image", new Blob([jpeg]), "early.jpg");
  const multipart = await ok(await post(a, form));
  const json = await ok(
    await post(a, JSON.stringify({ image: jpeg.toBase64(), filename: "early.jpg" }), "application/json"),
  );
  for (const other of [multipart, json]) {
    assert.deepEqual([other.cells, other.summary, other.input], [raw.cells, raw.summary, raw.input]);
  }
});

Deno.test("/v1/cells: bad input gets the same 4xx as /v1/predict", async () => {
  const a = app(await tinyModel(), { MAX_BODY_BYTES: "200000" });
  const cases: [string, BodyInit, string | undefined, number, string][] = [
    ["empty", new Uint8Array(0), "image/png", 400, "empty_body"],
    ["not an image", "hello", "application/octet-stream", 415, "unsupported_image"],
    ["text/plain", "hello", "text/plain", 415, "unsupported_media_type"],
    ["truncated BMP", (await fixture(CNMC[0])).slice(0, 200), "image/bmp", 400, "corrupt_image"],
    ["invalid JSON", "{", "application/json", 400, "invalid_json"],
    ["not base64", JSON.stringify({ image: "*not base64*" }), "application/json", 400, "invalid_base64"],
    ["8×8", solidPng(8, 8, [115, 77, 179, 255]), "image/png", 422, "too_small"],
    ["100000² header", pngHeaderOnly(100_000, 100_000), "image/png", 422, "too_many_pixels"],
    ["over MAX_BODY_BYTES", await fixture(CNMC[0]), "image/bmp", 413, "body_too_large"],
  ];
  for (const [name, body, type, status, code] of cases) {
    const res = await post(a, body, type);
    const answer = await res.json();
    assert.equal(res.status, status, `${name}: ${JSON.stringify(answer)}`);
    assert.equal(answer.error.code, code, name);
    assert.equal(answer.requestId, res.headers.get("x-request-id"), name);
  }
  const get = await a.request("/v1/cells");
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  assert.equal((await a.request("/healthz")).status, 200);
});

Deno.test("/v1/cells: CELLS_MAX_PIXELS — one pixel over it 422 too_many_pixels, exactly at it 200; /v1/predict keeps MAX_PIXELS", async () => {
  const img = await fixture("taleqani_Early_WBC-Malignant-Early-001.jpg");
  const a0 = app(await tinyModel());
  const size = (await ok(await post(a0, img, "image/jpeg"))).input as { width: number; height: number };
  const pixels = size.width * size.height;
  const over = app(await tinyModel(), { CELLS_MAX_PIXELS: String(pixels - 1) });
  const res = await post(over, img, "image/jpeg");
  const body = await res.json();
  assert.deepEqual([res.status, body.error.code], [422, "too_many_pixels"]);
  assert.match(body.error.message, new RegExp(String(pixels - 1)));
  assert.equal(
    (await a0.request("/v1/predict", { method: "POST", body: img, headers: { "content-type": "image/jpeg" } })).status,
    200,
  );
  const predictOver = await over.request("/v1/predict", {
    method: "POST",
    body: img,
    headers: { "content-type": "image/jpeg" },
  });
  assert.equal(predictOver.status, 200, "the cells limit does not touch /v1/predict");
  const at = app(await tinyModel(), { CELLS_MAX_PIXELS: String(pixels) });
  assert.equal((await post(at, img, "image/jpeg")).status, 200);
});

Deno.test("/v1/cells: API keys, the rate limit and the request budget as on /v1/predict", async () => {
  const cnmc = await fixture(CNMC[1]);
  const keyed = app(await tinyModel(), { API_KEYS: "k1" });
  const none = await post(keyed, cnmc, "image/png");
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.code, "unauthorized");
  assert.equal((await post(keyed, cnmc, "image/png", { authorization: "Bearer k2" })).status, 401);
  await ok(await post(keyed, cnmc, "image/png", { authorization: "Bearer k1" }));

  const limited = app(await tinyModel(), { RATE_LIMIT_RPS: "0.001", RATE_LIMIT_BURST: "1" });
  await ok(await post(limited, cnmc, "image/png"));
  const second = await post(limited, cnmc, "image/png");
  assert.equal(second.status, 429);
  assert.ok(Number(second.headers.get("retry-after")) >= 1);
  await second.body?.cancel();
  // one bucket per client across the /v1 routes
  assert.equal((await limited.request("/v1/predict", { method: "POST", body: cnmc })).status, 429);

  const stuck: ImageDecoder = { decode: () => new Promise(() => {}) };
  const slow = app(await tinyModel(), { REQUEST_BUDGET_MS: "30" }, { decoder: stuck });
  const late = await post(slow, cnmc, "image/png");
  assert.equal(late.status, 503);
  assert.equal((await late.json()).error.code, "timeout");
});

Deno.test("/v1/cells: no cell model → 503 cells_unavailable (readyz warns only when one was configured); a loading one is waited for", async () => {
  const png = await fixture(CNMC[1]);
  const bare = app(undefined);
  const res = await post(bare, png, "image/png");
  assert.equal(res.status, 503);
  const e = await res.json();
  assert.equal(e.error.code, "cells_unavailable");
  assert.match(e.error.message, /CELL_MODEL/);
  assert.deepEqual((await (await bare.request("/readyz")).json()).warnings.map((w: Json) => w.code), [
    "no_domain_check",
  ]);
  assert.equal((await bare.request("/v1/predict", { method: "POST", body: png })).status, 200, "predict still answers");

  const logs: Record<string, unknown>[] = [];
  const missing = createApp({
    model: tinyModel(),
    cells: Promise.reject(new Error("CELL_MODEL=model/gone.int8.onnx: the file does not exist")),
    config: loadConfig({}),
    log: (r) => logs.push(r),
  });
  const gone = await post(missing, png, "image/png");
  assert.equal(gone.status, 503);
  assert.match((await gone.json()).error.message, /CELL_MODEL=model\/gone\.int8\.onnx: the file does not exist/);
  const ready = await (await missing.request("/readyz")).json();
  assert.equal(ready.status, "ready");
  assert.deepEqual(ready.warnings.map((w: Json) => w.code), ["no_domain_check", "cells_unavailable"]);
  assert.match(ready.warnings[1].message, /model\/gone\.int8\.onnx/);
  assert.deepEqual(logs.filter((l) => l.event === "cell_model_unavailable").length, 1);

  let resolve!: (m: ModelRuntime) => void;
  const loading = app(new Promise<ModelRuntime>((r) => (resolve = r)));
  const pending = post(loading, png, "image/png");
  await new Promise((r) => setTimeout(r, 20));
  resolve(await tinyModel());
  assert.equal((await ok(await pending)).cells.length, 1);
});

Deno.test("/v1/cells: the field's summary is audited (feedback by requestId labels it) and counted in /metrics", async () => {
  const a = app(scripted([-5, 5, -5]));
  const body = await ok(await post(a, field(200, 80, [[30, 30], [100, 30], [170, 30]]), "image/bmp"));
  const fb = await a.request("/v1/feedback", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ requestId: body.requestId, label: "normal" }),
  });
  assert.equal(fb.status, 201);
  const receipt = await fb.json();
  assert.deepEqual(
    [receipt.prediction.route, receipt.prediction.index, receipt.prediction.label, receipt.prediction.decision],
    ["/v1/cells", 0, "all", "all"],
  );
  assert.equal(receipt.prediction.inputSha256, body.input.sha256);
  assert.equal(receipt.prediction.scores.all, body.cells[1].scores.all, "the scores of the cell that drove the call");
  assert.equal(receipt.agrees, false);
  const metrics = await (await a.request("/metrics")).text();
  assert.match(metrics, /http_requests_total\{route="\/v1\/cells",method="POST",status="200"\} 1/);
  assert.match(metrics, /predictions_total\{decision="all"\} 1/);
});

Deno.test("/v1/cells: a decode worker locates and crops exactly as the request thread does; past the budget it is stopped", async () => {
  const pool = createDecodePool({ size: 1 });
  try {
    const cellModel = await tinyModel();
    const inThread = app(cellModel);
    const pooled = app(cellModel, {}, { decoder: pool });
    for (const name of [EARLY, CNMC[0]]) {
      const bytes = await fixture(name);
      const a = await ok(await post(inThread, bytes, "application/octet-stream"));
      const b = await ok(await post(pooled, bytes, "application/octet-stream"));
      assert.deepEqual([b.cells, b.summary, b.locator, b.input], [a.cells, a.summary, a.locator, a.input], name);
    }
    assert.equal(pool.stats().completed, 2);
    // a 2048² field with hundreds of discs cannot be located in 20 ms: 503 timeout, the worker replaced
    const centres: [number, number][] = [];
    for (let y = 40; y < 2048; y += 80) for (let x = 40; x < 2048; x += 80) centres.push([x, y]);
    const big = field(2048, 2048, centres, 20);
    const slow = app(cellModel, { REQUEST_BUDGET_MS: "20" }, { decoder: pool });
    const res = await post(slow, big, "image/bmp");
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "timeout");
    assert.equal((await slow.request("/healthz")).status, 200);
    // and the pool still answers
    const again = await ok(await post(pooled, await fixture(CNMC[1]), "image/png"));
    assert.equal(again.cells.length, 1);
  } finally {
    await pool.close();
  }
});

Deno.test({
  name:
    "serve: CELL_MODEL missing → starts, /readyz warns, /v1/cells 503 naming it; CELL_MODEL set → /v1/cells answers",
  async fn() {
    const start = (env: Record<string, string>) => {
      const lines: Record<string, unknown>[] = [];
      const config = loadConfig({
        HOST: "127.0.0.1",
        PORT: "0",
        MODEL: TINY_MODEL,
        FEEDBACK_DB: ":memory:",
        DECODE_WORKERS: "1",
        ...env,
      });
      return { server: serve(config, (r) => lines.push(r), { warmUp: false }), lines };
    };
    const png = await fixture(CNMC[1]);
    const missing = start({ CELL_MODEL: "model/no-such-cells.int8.onnx" });
    try {
      await missing.server.ready;
      const url = `http://127.0.0.1:${missing.server.port}`;
      const ready = await (await fetch(`${url}/readyz`)).json();
      assert.deepEqual(ready.warnings.map((w: Json) => w.code), ["no_domain_check", "cells_unavailable"]);
      assert.match(ready.warnings[1].message, /CELL_MODEL=model\/no-such-cells\.int8\.onnx: the file does not exist/);
      const res = await fetch(`${url}/v1/cells`, {
        method: "POST",
        body: png,
        headers: { "content-type": "image/png" },
      });
      assert.equal(res.status, 503);
      assert.match((await res.json()).error.message, /CELL_MODEL=model\/no-such-cells\.int8\.onnx/);
      const p = await fetch(`${url}/v1/predict`, {
        method: "POST",
        body: png,
        headers: { "content-type": "image/png" },
      });
      assert.equal(p.status, 200);
      await p.body?.cancel();
      assert.equal(missing.lines.filter((l) => l.event === "cell_model_unavailable").length, 1);
    } finally {
      await missing.server.shutdown();
    }
    const set = start({ CELL_MODEL: `${ROOT}${TINY_MODEL}` });
    try {
      await set.server.ready;
      const url = `http://127.0.0.1:${set.server.port}`;
      const res = await fetch(`${url}/v1/cells`, {
        method: "POST",
        body: png,
        headers: { "content-type": "image/png" },
      });
      const body = await ok(res);
      assert.deepEqual([body.cells.length, body.model.id], [1, "tiny-test"]);
      assert.deepEqual((await (await fetch(`${url}/readyz`)).json()).warnings.map((w: Json) => w.code), [
        "no_domain_check",
      ]);
    } finally {
      await set.server.shutdown();
    }
  },
});

const COMMITTED_CELL_MODEL = "model/cells-v1.int8.onnx";
const haveCellModel = (() => {
  try {
    return Deno.statSync(`${ROOT}${COMMITTED_CELL_MODEL}`).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "/v1/cells with the committed cell model: the ALL field is not summarised normal; a C-NMC cell is one cell",
  ignore: !haveCellModel,
  async fn() {
    const { openCellModel } = await import("../functions/lib/cells/model.ts");
    const cellModel = await openCellModel(`${ROOT}${COMMITTED_CELL_MODEL}`);
    try {
      const a = app(cellModel);
      const early = await ok(await post(a, await fixture(EARLY), "image/jpeg"));
      assert.equal(early.model.id, cellModel.card.id);
      assert.ok(early.cells.length >= 3, `${early.cells.length} cells`);
      assert.notEqual(early.summary.decision, "normal", JSON.stringify(early.summary));
      for (const c of early.cells) assert.ok(c.scores.all >= 0 && c.scores.all <= 1);
      const cnmc = await ok(await post(a, await fixture(CNMC[1]), "image/png"));
      assert.deepEqual([cnmc.cells.length, cnmc.locator.background], [1, "black"]);
    } finally {
      await cellModel.close();
    }
  },
});
