/**
 * In-memory route tests (`app.request`) for every endpoint and every error path, with a fake
 * model (exact, fast); the real ONNX model is exercised in tests/model_routes_test.ts.
 */
import assert from "node:assert/strict";
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./lib/config.ts";
import type { ModelRuntime } from "../model/core/mod.ts";
import { fakeCard, fakeRuntime } from "../tests/helpers/fake_model.ts";
import { fixture, pngHeaderOnly, solidPng } from "../tests/helpers/images.ts";
import { decodePng } from "../model/core/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

function setup(opts: { config?: Partial<Config>; model?: ModelRuntime | Promise<ModelRuntime> } = {}) {
  const lines: Record<string, unknown>[] = [];
  const config = { ...loadConfig({}), ...opts.config };
  const app = createApp({ model: opts.model ?? fakeRuntime(), config, log: (r) => lines.push(r) });
  return { app, lines, config };
}

const post = (body: BodyInit, type?: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body,
  headers: { ...(type ? { "content-type": type } : {}), ...headers },
});

function form(...parts: [string, Uint8Array | string, string?][]): FormData {
  const f = new FormData();
  for (const [name, value, type] of parts) {
    f.append(
      name,
      typeof value === "string" ? value : new Blob([value as Uint8Array<ArrayBuffer>], { type: type ?? "" }),
      "cell.bin",
    );
  }
  return f;
}

async function expectError(res: Response, status: number, code: string): Promise<Json> {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${await res.clone().text()}`);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = await res.json();
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 10);
  assert.equal(body.requestId, res.headers.get("x-request-id"));
  return body;
}

Deno.test("GET /healthz: alive, with a generated X-Request-Id", async () => {
  const { app } = setup();
  const res = await app.request("/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
  assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});

Deno.test("X-Request-Id: always issued by the server; a sane client id is echoed beside it, an odd one dropped", async () => {
  const { app, lines } = setup();
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const sane = await app.request("/healthz", { headers: { "x-request-id": "lab-42_abc" } });
  assert.match(sane.headers.get("x-request-id") ?? "", uuid);
  assert.equal(sane.headers.get("x-client-request-id"), "lab-42_abc");
  assert.equal(lines.at(-1)!.clientRequestId, "lab-42_abc");
  assert.equal(lines.at(-1)!.requestId, sane.headers.get("x-request-id"));
  for (const odd of ["<script>", "a".repeat(500), "two words"]) {
    const res = await app.request("/healthz", { headers: { "x-request-id": odd } });
    assert.match(res.headers.get("x-request-id") ?? "", uuid);
    assert.equal(res.headers.get("x-client-request-id"), null, odd);
    assert.equal("clientRequestId" in lines.at(-1)!, false, odd);
  }
});

Deno.test("GET /readyz and /v1/model: 503 while the model loads, 200 after", async () => {
  let resolve!: (m: ModelRuntime) => void;
  const { app } = setup({ model: new Promise<ModelRuntime>((r) => resolve = r) });
  await expectError(await app.request("/readyz"), 503, "not_ready");
  await expectError(await app.request("/v1/model"), 503, "not_ready");
  await expectError(
    await app.request("/v1/predict", post(solidPng(20, 20, [1, 2, 3, 255]), "image/png")),
    503,
    "not_ready",
  );
  assert.equal((await app.request("/healthz")).status, 200);
  resolve(fakeRuntime());
  await new Promise((r) => setTimeout(r, 0));
  const ready = await app.request("/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual((await ready.json()).model, { id: "all-fake", version: "0.0.1", sha256: "f".repeat(64) });
  const card = await (await app.request("/v1/model")).json();
  assert.equal(card.id, "all-fake");
  assert.deepEqual(card.subtypes, ["Benign", "Early", "Pre", "Pro"]);
});

Deno.test("a model that fails to load leaves the service up but not ready, and is logged", async () => {
  const { app, lines } = setup({ model: Promise.reject(new Error("no such file")) });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal((await app.request("/healthz")).status, 200);
  const body = await expectError(await app.request("/readyz"), 503, "not_ready");
  assert.match(body.error.message, /failed to load/);
  assert.ok(lines.some((l) => l.event === "model_load_failed" && /no such file/.test(String(l.message))));
});

Deno.test("POST /v1/predict: raw PNG body gives the full prediction", async () => {
  const { app, lines } = setup();
  const png = solidPng(40, 30, [230, 20, 20, 255]);
  const res = await app.request("/v1/predict", post(png, "image/png", { "x-request-id": "r1" }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const b = await res.json();
  const mean = (230 / 255 - 0.5) / 0.25;
  const p = 1 / (1 + Math.exp(-4 * mean));
  assert.ok(Math.abs(b.scores.all - p) < 1e-5);
  assert.ok(Math.abs(b.scores.all + b.scores.normal - 1) < 1e-12);
  assert.equal(b.label, "all");
  assert.equal(b.decision, "all");
  assert.equal(b.reasons, undefined);
  assert.deepEqual(Object.keys(b.subtype), ["Benign", "Early", "Pre", "Pro"]);
  assert.ok(b.subtype.Pro > b.subtype.Benign);
  assert.deepEqual(b.model, { id: "all-fake", version: "0.0.1", sha256: "f".repeat(64) });
  assert.equal(b.input.format, "png");
  assert.equal(b.input.width, 40);
  assert.equal(b.input.height, 30);
  assert.match(b.input.sha256, /^[0-9a-f]{64}$/);
  for (const k of ["decodeMs", "preprocessMs", "inferenceMs", "totalMs"]) assert.equal(typeof b.timings[k], "number");
  assert.match(b.requestId, /^[0-9a-f-]{36}$/); // the server's id, not the client's "r1"
  assert.equal(b.requestId, res.headers.get("x-request-id"));
  assert.equal(b.heatmap, undefined);
  const line = lines.find((l) => l.requestId === b.requestId)!;
  assert.equal(line.clientRequestId, "r1");
  assert.equal(line.route, "/v1/predict");
  assert.equal(line.status, 200);
  assert.equal(line.modelVersion, "0.0.1");
  assert.equal(line.inputSha256, b.input.sha256);
  assert.equal(line.label, "all");
  assert.equal(line.decision, "all");
  assert.equal(typeof line.latencyMs, "number");
});

Deno.test("POST /v1/predict: every real fixture format, raw, octet-stream (sniffed) and multipart", async () => {
  const { app } = setup();
  for (
    const [name, type, format] of [
      ["cnmc_all_UID_35_6_2_all.bmp", "image/bmp", "bmp"],
      ["cnmc_hem_UID_H10_100_1_hem.png", "image/png", "png"],
      ["taleqani_Benign_WBC-Benign-001.jpg", "image/jpeg", "jpeg"],
      ["full_rgb_lzw.tif", "image/tiff", "tiff"],
    ] as const
  ) {
    const bytes = await fixture(name);
    const raw = await (await app.request("/v1/predict", post(bytes, type))).json();
    assert.equal(raw.input.format, format, name);
    const sniffed = await (await app.request("/v1/predict", post(bytes, "application/octet-stream"))).json();
    const multi = await (await app.request("/v1/predict", { method: "POST", body: form(["image", bytes, type]) }))
      .json();
    const noType = await (await app.request("/v1/predict", { method: "POST", body: form(["image", bytes]) })).json();
    for (const other of [sniffed, multi, noType]) {
      assert.equal(other.scores.all, raw.scores.all, name);
      assert.deepEqual(other.input, raw.input, name);
    }
  }
});

Deno.test("POST /v1/predict: review band and out-of-domain give review, with reasons for the domain", async () => {
  const band = setup({ model: fakeRuntime(fakeCard(), () => 0.1) });
  const b1 = await (await band.app.request("/v1/predict", post(solidPng(20, 20, [9, 9, 9, 255]), "image/png"))).json();
  assert.equal(b1.decision, "review");
  assert.equal(b1.reasons, undefined);

  const odd = setup({
    model: fakeRuntime(fakeCard({ domain: { ranges: { meanR: [0.5, 0.9], meanB: [0, 1] } } }), () => 5),
  });
  const b2 = await (await odd.app.request("/v1/predict", post(solidPng(20, 20, [10, 200, 200, 255]), "image/png")))
    .json();
  assert.equal(b2.label, "all");
  assert.equal(b2.decision, "review");
  assert.equal(b2.reasons.length, 1);
  assert.match(b2.reasons[0], /meanR/);
});

Deno.test("POST /v1/predict: temperature and threshold come from the card", async () => {
  const { app } = setup({
    model: fakeRuntime(fakeCard({ temperature: 2, threshold: 0.9, reviewBand: [0.5, 0.5] }), () => 2),
  });
  const b = await (await app.request("/v1/predict", post(solidPng(20, 20, [9, 9, 9, 255]), "image/png"))).json();
  assert.ok(Math.abs(b.scores.all - 1 / (1 + Math.exp(-1))) < 1e-12);
  assert.equal(b.label, "normal");
  assert.equal(b.decision, "normal");
});

Deno.test("POST /v1/predict: a model without subtype head has no subtype field", async () => {
  const card = fakeCard({ io: { input: "input", logit: "logit" }, subtypes: undefined });
  const { app } = setup({ model: fakeRuntime(card) });
  const b = await (await app.request("/v1/predict", post(solidPng(20, 20, [9, 9, 9, 255]), "image/png"))).json();
  assert.equal("subtype" in b, false);
  await expectError(
    await app.request("/v1/explain", post(solidPng(20, 20, [9, 9, 9, 255]), "image/png")),
    501,
    "explain_unavailable",
  );
});

Deno.test("POST /v1/explain: prediction plus an input-sized RGBA PNG heatmap", async () => {
  const { app } = setup();
  const bytes = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  const res = await app.request("/v1/explain", post(bytes, "image/bmp"));
  assert.equal(res.status, 200);
  const b = await res.json();
  const pred = await (await app.request("/v1/predict", post(bytes, "image/bmp"))).json();
  assert.equal(b.scores.all, pred.scores.all);
  assert.equal(b.decision, pred.decision);
  assert.ok(b.heatmap.startsWith("data:image/png;base64,"));
  const png = decodePng(Uint8Array.from(atob(b.heatmap.slice(22)), (c) => c.charCodeAt(0)));
  assert.equal(png.width, b.input.width);
  assert.equal(png.height, b.input.height);
  const alphas = new Set<number>();
  for (let i = 3; i < png.data.length; i += 4) alphas.add(png.data[i]);
  assert.ok(alphas.size > 1, "alpha varies with the CAM");
});

Deno.test("POST /v1/predict/batch: results in order, a bad part gets its own error", async () => {
  const { app, lines } = setup();
  const good = await fixture("cnmc_hem_UID_H10_100_1_hem.png");
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  const res = await app.request("/v1/predict/batch", {
    method: "POST",
    body: form(["image", good, "image/png"], ["image", new TextEncoder().encode("not an image")], ["image", bmp], [
      "image",
      new Uint8Array(),
    ], ["image", pngHeaderOnly(5000, 5000)]),
  });
  assert.equal(res.status, 200);
  const { results, requestId } = await res.json();
  assert.equal(requestId, res.headers.get("x-request-id"));
  assert.equal(results.length, 5);
  assert.equal(results[0].input.format, "png");
  assert.equal(results[1].error.code, "unsupported_image");
  assert.equal(results[2].input.format, "bmp");
  assert.equal(results[3].error.code, "empty_body");
  assert.equal(results[4].error.code, "too_many_pixels");
  const single = await (await app.request("/v1/predict", post(bmp, "image/bmp"))).json();
  assert.equal(results[2].scores.all, single.scores.all);
  const line = lines.find((l) => l.route === "/v1/predict/batch")!;
  assert.deepEqual(line.decision, [results[0].decision, "error", results[2].decision, "error", "error"]);
});

Deno.test("POST /v1/predict/batch: limits and input errors", async () => {
  const { app } = setup({ config: { maxBatch: 2 } });
  const png = solidPng(20, 20, [1, 2, 3, 255]);
  await expectError(
    await app.request("/v1/predict/batch", {
      method: "POST",
      body: form(["image", png], ["image", png], ["image", png]),
    }),
    413,
    "too_many_images",
  );
  await expectError(await app.request("/v1/predict/batch", post(png, "image/png")), 415, "unsupported_media_type");
  await expectError(
    await app.request("/v1/predict/batch", { method: "POST", body: form(["file", png]) }),
    400,
    "missing_image_field",
  );
});

Deno.test("bad input: every kind gets its 4xx JSON error, never a 5xx", async () => {
  const { app } = setup({ config: { maxBodyBytes: 50_000, maxPixels: 1_000_000, minSide: 16 } });
  const png = solidPng(20, 20, [1, 2, 3, 255]);
  const cases: [RequestInit, number, string][] = [
    [{ method: "POST" }, 400, "empty_body"],
    [post(new Uint8Array(), "image/png"), 400, "empty_body"],
    [post(png.slice(0, 40), "image/png"), 400, "corrupt_image"],
    [post(new TextEncoder().encode("hello, not an image"), "image/png"), 400, "corrupt_image"],
    [post(new TextEncoder().encode("hello, not an image"), "application/octet-stream"), 415, "unsupported_image"],
    [post(png, "text/plain"), 415, "unsupported_media_type"],
    [post(png, "image/gif"), 415, "unsupported_media_type"],
    [post(pngHeaderOnly(2000, 2000), "image/png"), 422, "too_many_pixels"],
    [post(pngHeaderOnly(100_000, 100_000), "image/png"), 422, "too_many_pixels"],
    [post(solidPng(8, 100, [1, 2, 3, 255]), "image/png"), 422, "too_small"],
    [post(new Uint8Array(60_000), "application/octet-stream"), 413, "body_too_large"],
    [post(png, "image/png", { "content-length": "999999" }), 413, "body_too_large"],
    [{ method: "POST", body: form(["file", png]) }, 400, "missing_image_field"],
    [{ method: "POST", body: form(["image", "just text"]) }, 400, "missing_image_field"],
    [post("--x\r\ngarbage", "multipart/form-data; boundary=zzz"), 400, "malformed_multipart"],
    [post(png, "multipart/form-data"), 400, "malformed_multipart"],
  ];
  for (const route of ["/v1/predict", "/v1/explain"]) {
    for (const [init, status, code] of cases) {
      const res = await app.request(route, init);
      assert.ok(res.status < 500, `${route} ${code}: got ${res.status}`);
      await expectError(res, status, code);
    }
  }
});

Deno.test("a mislabelled image is decoded by its bytes (the magic number wins over Content-Type)", async () => {
  const { app } = setup();
  const res = await app.request("/v1/predict", post(solidPng(20, 20, [1, 2, 3, 255]), "image/jpeg"));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).input.format, "png");
});

Deno.test("body limit counts streamed bytes when there is no Content-Length", async () => {
  const { app } = setup({ config: { maxBodyBytes: 10_000 } });
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      ctl.enqueue(new Uint8Array(4096));
    },
  });
  const res = await app.request(
    new Request("http://x/v1/predict", { method: "POST", body: stream, headers: { "content-type": "image/png" } }),
  );
  await expectError(res, 413, "body_too_large");
});

Deno.test("API_KEYS: 401 without or with a wrong key, 200 with a right one; keys never logged", async () => {
  const { app, lines } = setup({ config: { apiKeys: ["s3cret-one", "s3cret-two"] } });
  const png = solidPng(20, 20, [1, 2, 3, 255]);
  const none = await app.request("/v1/predict", post(png, "image/png"));
  await expectError(none, 401, "unauthorized");
  assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
  await expectError(
    await app.request("/v1/predict", post(png, "image/png", { authorization: "Bearer nope" })),
    401,
    "unauthorized",
  );
  await expectError(
    await app.request("/v1/predict", post(png, "image/png", { authorization: "Basic s3cret-one" })),
    401,
    "unauthorized",
  );
  await expectError(await app.request("/v1/model"), 401, "unauthorized");
  assert.equal(
    (await app.request("/v1/predict", post(png, "image/png", { authorization: "Bearer s3cret-two" }))).status,
    200,
  );
  assert.equal((await app.request("/v1/model", { headers: { authorization: "bearer s3cret-one" } })).status, 200);
  assert.equal((await app.request("/healthz")).status, 200);
  assert.ok(!JSON.stringify(lines).includes("s3cret"));
  assert.ok(!JSON.stringify(lines).includes("nope"));
});

Deno.test("unknown routes are 404 JSON, wrong methods 405 JSON with Allow", async () => {
  const { app } = setup();
  await expectError(await app.request("/nope"), 404, "not_found");
  await expectError(await app.request("/v1/predict/xyz", { method: "POST" }), 404, "not_found");
  const r = await app.request("/v1/predict");
  await expectError(r, 405, "method_not_allowed");
  assert.equal(r.headers.get("allow"), "POST");
  await expectError(await app.request("/healthz", { method: "DELETE" }), 405, "method_not_allowed");
  await expectError(await app.request("/v1/predict/batch", { method: "PUT" }), 405, "method_not_allowed");
});

Deno.test("a failing model is a 500 JSON error (not caused by input), logged with a stack", async () => {
  const broken: ModelRuntime = { ...fakeRuntime(), run: () => Promise.reject(new Error("wasm trap")) };
  const { app, lines } = setup({ model: broken });
  const res = await app.request("/v1/predict", post(solidPng(20, 20, [1, 2, 3, 255]), "image/png"));
  const body = await expectError(res, 500, "internal_error");
  assert.doesNotMatch(body.error.message, /wasm trap/);
  assert.ok(lines.some((l) => l.event === "internal_error" && /wasm trap/.test(String(l.error))));
  assert.equal((await app.request("/healthz")).status, 200);
});

Deno.test("GET /metrics: request counts, latency histogram, decisions, model info", async () => {
  const { app } = setup();
  await app.request("/v1/predict", post(solidPng(20, 20, [250, 2, 3, 255]), "image/png"));
  await app.request("/v1/predict", post(new Uint8Array([1, 2, 3]), "image/png"));
  await app.request("/nope");
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^http_requests_total\{route="\/v1\/predict",method="POST",status="200"\} 1$/m);
  assert.match(text, /^http_requests_total\{route="\/v1\/predict",method="POST",status="400"\} 1$/m);
  assert.match(text, /^http_requests_total\{route="unmatched",method="GET",status="404"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_count\{route="\/v1\/predict"\} 2$/m);
  assert.match(text, /^predictions_total\{decision="all"\} 1$/m);
  assert.match(text, /^model_info\{id="all-fake",version="0.0.1",sha256="f+"\} 1$/m);
  assert.match(text, /^model_ready 1$/m);
});

Deno.test("GET /openapi.json describes every route; /docs and / are self-contained HTML", async () => {
  const { app } = setup();
  const spec = await (await app.request("/openapi.json")).json();
  assert.equal(spec.openapi, "3.1.0");
  for (
    const p of [
      "/v1/predict",
      "/v1/predict/batch",
      "/v1/explain",
      "/v1/model",
      "/healthz",
      "/readyz",
      "/metrics",
      "/openapi.json",
      "/docs",
      "/",
    ]
  ) {
    assert.ok(spec.paths[p], `openapi lacks ${p}`);
  }
  assert.deepEqual(spec.components.schemas.Prediction.properties.decision.enum, ["all", "normal", "review"]);
  // every error code the API can answer with is in the document (ErrorCode in errors.ts)
  const source = await Deno.readTextFile(new URL("./lib/http/errors.ts", import.meta.url));
  const union = /export type ErrorCode =([^;]+);/.exec(source)![1];
  const codes = [...union.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length > 20);
  assert.deepEqual(new Set(spec.components.schemas.ErrorDetail.properties.code.enum), new Set(codes));
  for (const path of ["/docs", "/"]) {
    const res = await app.request(path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const html = await res.text();
    assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//i, `${path} loads something external`);
    assert.doesNotMatch(html, /@import|url\(http/i);
  }
  assert.match(await (await app.request("/")).text(), /\/v1\/explain/);
  assert.match(await (await app.request("/docs")).text(), /\/openapi\.json/);
});

Deno.test("parallel requests all answer correctly (model calls serialised by the runtime)", async () => {
  const { app } = setup();
  const colours: [number, number, number, number][] = Array.from({ length: 12 }, (_, i) => [i * 20, 50, 50, 255]);
  const answers = await Promise.all(
    colours.map(async (c): Promise<Json> =>
      (await app.request("/v1/predict", post(solidPng(24, 24, c), "image/png"))).json()
    ),
  );
  answers.forEach((b, i) => {
    const p = 1 / (1 + Math.exp(-4 * ((i * 20) / 255 - 0.5) / 0.25));
    assert.ok(Math.abs(b.scores.all - p) < 1e-5);
  });
});
