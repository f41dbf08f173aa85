/**
 * The OpenAPI document against the service's real answers, the way an integrator uses it:
 * TypeScript types are generated from the live `/openapi.json` with openapi-typescript (its CLI,
 * run by node from node_modules: no network), then a file that assigns a real answer of every
 * route (success and error statuses, from `createApp` with the committed model and the tiny
 * fixture) to the generated type of that route, status and media type is type-checked with
 * `deno check`. An answer that does not fit its documented type fails the test, naming the route.
 * The same file checks the typed client's hand-written types (`functions/client/mod.ts`) against
 * the generated ones, both ways, and assigns the real answers to them too.
 *
 * `/v2` (Open Inference Protocol) operations are covered when the app answers them (a route that
 * is not mounted answers the service's own 404 `not_found`, and is then reported, not checked).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type AppDeps, createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { createMemoryStore, type FeedbackStore } from "../functions/lib/feedback/store.ts";
import { type ImageDecoder } from "../functions/lib/decode/job.ts";
import { loadModelFile, type ModelRuntime, parseModelCard } from "../model/core/mod.ts";
import { fakeCard, fakeRuntime } from "./helpers/fake_model.ts";
import { fixture, pngHeaderOnly, solidPng } from "./helpers/images.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CLIENT = new URL("../functions/client/mod.ts", import.meta.url).href;
const LIMIT_MS = 120_000;

/** One real answer and the generated type it must fit. */
interface Sample {
  /** What it is, e.g. `POST /v1/predict 415 (text/plain body)`. */
  label: string;
  /** The TypeScript type it is assigned to (an index into the generated `paths` or `components`). */
  type: string;
  body: unknown;
  /** Also assigned to this type of the client module (`C.<name>`). */
  client?: string;
}

type App = ReturnType<typeof createApp>;
type Method = "get" | "post";

/** The generated type of one documented answer. */
function opType(path: string, method: Method, status: number, media: string): string {
  return `paths[${JSON.stringify(path)}][${JSON.stringify(method)}]["responses"][${status}]["content"][${
    JSON.stringify(media)
  }]`;
}

/** The media type of an answer (`application/json`, `text/plain`…; `none` without a body type). */
function mediaOf(res: Response): string {
  return (res.headers.get("content-type") ?? "none").split(";")[0].trim().toLowerCase();
}

/** What the test collected: samples, and the operations (`METHOD path`) they cover. */
class Collector {
  samples: Sample[] = [];
  covered = new Set<string>();
  notMounted = new Set<string>();

  /**
   * Sends `init` to `url` on `app`, expects `status` and records the answer as a sample of the
   * operation `method path` (the documented path template). Returns the parsed body.
   */
  async call(
    app: App,
    op: [Method, string],
    url: string,
    status: number,
    note: string,
    init: RequestInit = {},
    client?: string,
  ): Promise<unknown> {
    const [method, path] = op;
    const res = await app.request(url, { method: method.toUpperCase(), ...init });
    const media = mediaOf(res);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    const label = `${method.toUpperCase()} ${path} ${res.status} (${note})`;
    if (path.startsWith("/v2") && res.status === 404 && media === "application/json") {
      const body = JSON.parse(text);
      if (typeof body.error === "object" && body.error?.code === "not_found") {
        this.notMounted.add(`${method.toUpperCase()} ${path}`); // the /v2 routes are not mounted (yet)
        return undefined;
      }
    }
    assert.equal(res.status, status, `${label}: expected ${status}; body: ${text.slice(0, 300)}`);
    const body = media === "application/json"
      ? JSON.parse(text)
      : media === "application/x-ndjson"
      ? text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l))
      : text;
    if (media === "application/octet-stream") {
      // the binary data extension: a JSON response of Inference-Header-Content-Length bytes, then the tensors
      const n = Number(res.headers.get("inference-header-content-length"));
      assert.ok(n > 0 && n < bytes.length, `${label}: no Inference-Header-Content-Length`);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, n)));
      this.samples.push({
        label: `${label}, its JSON part`,
        type: `components["schemas"]["OipInferenceResponse"]`,
        body: header,
      }, { label, type: opType(path, method, status, media), body: "(binary)" }); // the media type is documented
    } else if (media === "application/x-ndjson") {
      assert.ok((body as unknown[]).length > 0, `${label}: no line to check`);
      for (const [i, line] of (body as unknown[]).entries()) {
        this.samples.push({
          label: `${label} line ${i + 1}`,
          type: opType(path, method, status, media),
          body: line,
          client,
        });
      }
    } else {
      this.samples.push({ label, type: opType(path, method, status, media), body, client });
    }
    this.covered.add(`${method.toUpperCase()} ${path}`);
    return body;
  }

  /** Records an answer every path can give (404, 405, 501) against `components.responses`. */
  async shared(app: App, url: string, init: RequestInit, status: number, response: string): Promise<void> {
    const res = await app.request(url, init);
    const text = await res.text();
    const label = `${init.method ?? "GET"} ${url} ${res.status} (${response})`;
    assert.equal(res.status, status, `${label}: ${text.slice(0, 300)}`);
    this.samples.push({
      label,
      type: `components["responses"][${JSON.stringify(response)}]["content"][${JSON.stringify(mediaOf(res))}]`,
      body: JSON.parse(text),
      client: response.startsWith("Oip") ? undefined : "ErrorBody",
    });
  }
}

const json = (body: unknown): RequestInit => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const raw = (body: Uint8Array<ArrayBuffer>, type: string): RequestInit => ({ headers: { "content-type": type }, body });
function form(...parts: [Uint8Array<ArrayBuffer>, string][]): RequestInit {
  const f = new FormData();
  for (const [bytes, name] of parts) f.append("image", new Blob([bytes]), name);
  return { body: f };
}
const base64 = (bytes: Uint8Array): string => bytes.toBase64();

function app(model: AppDeps["model"], env: Record<string, string> = {}, more: Partial<AppDeps> = {}): App {
  return createApp({ model, config: loadConfig(env), log: () => {}, ...more });
}

/** Every answer of every route, from apps built to give each status. */
async function collect(models: { v5: ModelRuntime; tiny: ModelRuntime }): Promise<Collector> {
  const c = new Collector();
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  const jpeg = await fixture("taleqani_Early_WBC-Malignant-Early-001.jpg");
  const png = await fixture("cnmc_hem_UID_H10_100_1_hem.png");
  const notImage = new TextEncoder().encode("hello, not an image");

  // the committed model (a domain check: no warnings) and the tiny fixture (none: warnings)
  const v5 = app(models.v5);
  const tiny = app(models.tiny, { MAX_BATCH: "2" });
  for (const [name, a] of [["all-v5", v5], ["tiny", tiny]] as const) {
    await c.call(a, ["get", "/healthz"], "/healthz", 200, name);
    await c.call(a, ["get", "/readyz"], "/readyz", 200, name, {}, "Readiness");
    await c.call(a, ["get", "/v1/model"], "/v1/model", 200, name, {}, "ModelCard");
    await c.call(a, ["post", "/v1/explain"], "/v1/explain", 200, `${name}, BMP`, raw(bmp, "image/bmp"), "Explanation");
  }
  await c.call(v5, ["get", "/metrics"], "/metrics", 200, "all-v5");
  await c.call(v5, ["get", "/openapi.json"], "/openapi.json", 200, "all-v5");
  await c.call(v5, ["get", "/docs"], "/docs", 200, "all-v5");
  await c.call(v5, ["get", "/"], "/", 200, "all-v5");

  // predictions: raw, multipart and JSON bodies; in-domain and out-of-domain (reasons) images
  const predict = ["post", "/v1/predict"] as [Method, string];
  const first = await c.call(v5, predict, "/v1/predict", 200, "JPEG", raw(jpeg, "image/jpeg"), "Prediction") as {
    requestId: string;
  };
  await c.call(v5, predict, "/v1/predict", 200, "C-NMC BMP: out of domain", raw(bmp, "image/bmp"), "Prediction");
  await c.call(v5, predict, "/v1/predict", 200, "multipart", form([png, "hem.png"]), "Prediction");
  await c.call(v5, predict, "/v1/predict", 200, "JSON base64", json({ image: base64(png) }), "Prediction");
  const batch = ["post", "/v1/predict/batch"] as [Method, string];
  await c.call(
    v5,
    batch,
    "/v1/predict/batch",
    200,
    "multipart, one part not an image",
    form([jpeg, "early.jpg"], [notImage, "notes.txt"], [png, "hem.png"]),
    "BatchResult",
  );
  await c.call(
    v5,
    batch,
    "/v1/predict/batch",
    200,
    "JSON, one item named",
    json({
      images: [{ image: base64(png), filename: "hem.png" }, { image: `data:image/jpeg;base64,${base64(jpeg)}` }],
    }),
    "BatchResult",
  );

  // cells: a field, a C-NMC cell, a blank image (no cell: blastFraction null), the cap hit; its errors
  const cells = ["post", "/v1/cells"] as [Method, string];
  const withCells = app(models.v5, {}, { cells: models.tiny });
  const capped = app(models.v5, { MAX_CELLS: "2" }, { cells: models.tiny });
  await c.call(withCells, cells, "/v1/cells", 200, "Taleqani field", raw(jpeg, "image/jpeg"), "CellsResult");
  await c.call(withCells, cells, "/v1/cells", 200, "C-NMC cell, multipart", form([bmp, "cell.bmp"]), "CellsResult");
  await c.call(
    withCells,
    cells,
    "/v1/cells",
    200,
    "blank: no cell",
    raw(solidPng(64, 64, [250, 250, 250, 255]), "image/png"),
    "CellsResult",
  );
  await c.call(capped, cells, "/v1/cells", 200, "MAX_CELLS 2: capped", json({ image: base64(jpeg) }), "CellsResult");
  await c.call(withCells, cells, "/v1/cells", 415, "text/plain", raw(notImage, "text/plain"), "ErrorBody");
  await c.call(withCells, cells, "/v1/cells", 422, "8×8 PNG", raw(solidPng(8, 8, [9, 9, 9, 255]), "image/png"));
  await c.call(v5, cells, "/v1/cells", 503, "no cell model", raw(png, "image/png"), "ErrorBody");
  const cellsMissing = app(models.v5, {}, { cells: Promise.reject(new Error("CELL_MODEL=model/x.onnx: missing")) });
  await c.call(cellsMissing, ["get", "/readyz"], "/readyz", 200, "cell model missing: warned", {}, "Readiness");

  // feedback: stored, then exported
  const feedback = ["post", "/v1/feedback"] as [Method, string];
  await c.call(
    v5,
    feedback,
    "/v1/feedback",
    201,
    "stored",
    json({
      requestId: first.requestId,
      label: "all",
      reviewer: "lab-2",
      note: "blasts",
    }),
    "FeedbackReceipt",
  );
  const exported = ["get", "/v1/feedback"] as [Method, string];
  await c.call(v5, exported, "/v1/feedback", 200, "NDJSON export", {}, "Feedback");

  // input errors (each has its documented status)
  const bad: [string, RequestInit, number, [Method, string]][] = [
    ["text/plain body", raw(notImage, "text/plain"), 415, predict],
    ["not an image", raw(notImage, "application/octet-stream"), 415, predict],
    ["empty body", raw(new Uint8Array(0), "image/png"), 400, predict],
    ["truncated BMP", raw(bmp.slice(0, 200), "image/bmp"), 400, predict],
    ["invalid JSON", { headers: { "content-type": "application/json" }, body: "{" }, 400, predict],
    ["not base64", json({ image: "*not base64*" }), 400, predict],
    ["8×8 PNG", raw(solidPng(8, 8, [200, 100, 50, 255]), "image/png"), 422, predict],
    ["100000² PNG header", raw(pngHeaderOnly(100_000, 100_000), "image/png"), 422, predict],
    ["raw body", raw(png, "image/png"), 415, batch],
    ["no image part", { body: new FormData() }, 400, batch],
  ];
  for (const [note, init, status, op] of bad) await c.call(v5, op, op[1], status, note, init, "ErrorBody");
  await c.call(
    tiny,
    batch,
    "/v1/predict/batch",
    413,
    "3 images, MAX_BATCH 2",
    form([png, "a"], [png, "b"], [png, "c"]),
  );
  await c.call(tiny, ["post", "/v1/explain"], "/v1/explain", 415, "text/plain", raw(notImage, "text/plain"));
  await c.call(v5, feedback, "/v1/feedback", 404, "unknown requestId", json({ requestId: "nope", label: "all" }));
  await c.call(v5, feedback, "/v1/feedback", 400, "bad label", json({ requestId: first.requestId, label: "x" }));
  await c.call(v5, feedback, "/v1/feedback", 415, "text/plain", raw(notImage, "text/plain"));
  await c.call(v5, feedback, "/v1/feedback", 413, "17 KiB", raw(new Uint8Array(17 * 1024), "application/json"));
  await c.call(v5, exported, "/v1/feedback?since=yesterday", 400, "bad since");

  // errors every path can give
  await c.shared(v5, "/no/such/path", {}, 404, "NotFound");
  await c.shared(v5, "/healthz", { method: "POST" }, 405, "MethodNotAllowed");
  await c.shared(v5, "/v1/predict", { method: "BREW" }, 501, "MethodNotImplemented");

  // a key, a rate limit, a small body limit, a slow body
  const keyed = app(models.tiny, { API_KEYS: "k1" });
  await c.call(keyed, ["get", "/v1/model"], "/v1/model", 401, "no key");
  await c.call(keyed, predict, "/v1/predict", 401, "wrong key", { headers: { authorization: "Bearer k2" } });
  await c.call(keyed, cells, "/v1/cells", 401, "no key", raw(png, "image/png"));
  const limited = app(models.tiny, { RATE_LIMIT_RPS: "0.001", RATE_LIMIT_BURST: "1" });
  await c.call(limited, ["get", "/v1/model"], "/v1/model", 200, "first request", {}, "ModelCard");
  await c.call(limited, ["get", "/v1/model"], "/v1/model", 429, "second request");
  await c.call(limited, cells, "/v1/cells", 429, "third request", raw(png, "image/png"));
  const small = app(models.tiny, { MAX_BODY_BYTES: "1000", BODY_TIMEOUT_MS: "50" });
  await c.call(small, predict, "/v1/predict", 413, "MAX_BODY_BYTES 1000", raw(png, "image/png"));
  const never = new ReadableStream<Uint8Array>({ start: () => {} }); // a body that never arrives
  await c.call(small, predict, "/v1/predict", 408, "BODY_TIMEOUT_MS 50", {
    headers: { "content-type": "image/png" },
    body: never,
  });

  // not ready, no CAM, a timeout, a store that fails, an internal error
  const loading = app(new Promise<ModelRuntime>(() => {}));
  await c.call(loading, ["get", "/readyz"], "/readyz", 503, "model loading");
  await c.call(loading, ["get", "/v1/model"], "/v1/model", 503, "model loading");
  await c.call(loading, predict, "/v1/predict", 503, "model loading", raw(png, "image/png"));
  const noCam = app(fakeRuntime(fakeCard({ io: { input: "input", logit: "logit" }, subtypes: undefined })));
  await c.call(noCam, ["post", "/v1/explain"], "/v1/explain", 501, "model without CAM", raw(png, "image/png"));
  const stuck: ImageDecoder = { decode: () => new Promise(() => {}) };
  const slow = app(models.tiny, { REQUEST_BUDGET_MS: "30" }, { decoder: stuck });
  await c.call(slow, predict, "/v1/predict", 503, "decode past REQUEST_BUDGET_MS", raw(png, "image/png"));
  const slowCells = app(models.tiny, { REQUEST_BUDGET_MS: "30" }, { decoder: stuck, cells: models.tiny });
  await c.call(slowCells, cells, "/v1/cells", 503, "decode past REQUEST_BUDGET_MS", raw(png, "image/png"));
  const noStore = app(models.tiny, {}, { feedback: Promise.reject(new Error("disk gone")) });
  await c.call(noStore, exported, "/v1/feedback", 503, "store unavailable");
  await c.call(noStore, feedback, "/v1/feedback", 503, "store unavailable", json({ requestId: "r", label: "all" }));
  const failing: FeedbackStore = {
    ...createMemoryStore(),
    listFeedback: () => {
      throw new Error("store bug");
    },
  };
  await c.call(app(models.tiny, {}, { feedback: failing }), exported, "/v1/feedback", 500, "store throws");
  const broken: ModelRuntime = { ...fakeRuntime(), run: () => Promise.reject(new Error("wasm trap")) };
  await c.call(app(broken), predict, "/v1/predict", 500, "model throws", raw(png, "image/png"), "ErrorBody");

  await collectOip(c, models, { bmp, png, notImage });

  // every committed card, as /v1/model would serve it with that model
  for (const entry of Deno.readDirSync(`${ROOT}model`)) {
    if (!entry.name.endsWith(".json")) continue;
    const card = parseModelCard(JSON.parse(await Deno.readTextFile(`${ROOT}model/${entry.name}`)));
    c.samples.push({
      label: `model/${entry.name} (the card /v1/model serves with it)`,
      type: opType("/v1/model", "get", 200, "application/json"),
      body: card,
      client: "ModelCard",
    });
  }
  return c;
}

/** The Open Inference Protocol v2 routes (skipped, and reported, while they are not mounted). */
async function collectOip(
  c: Collector,
  models: { v5: ModelRuntime; tiny: ModelRuntime },
  images: { bmp: Uint8Array<ArrayBuffer>; png: Uint8Array<ArrayBuffer>; notImage: Uint8Array<ArrayBuffer> },
): Promise<void> {
  const { bmp, png, notImage } = images;
  const v5 = app(models.v5);
  const loading = app(new Promise<ModelRuntime>(() => {}));
  const { id, version } = models.v5.card;
  const m = `/v2/models/${id}`;
  const v = `${m}/versions/${version}`;
  const MODEL = "/v2/models/{name}";
  const VERSION = "/v2/models/{name}/versions/{version}";
  await c.call(v5, ["get", "/v2/health/live"], "/v2/health/live", 200, "all-v5");
  await c.call(v5, ["get", "/v2/health/ready"], "/v2/health/ready", 200, "all-v5");
  await c.call(v5, ["get", "/v2"], "/v2", 200, "all-v5");
  await c.call(v5, ["get", "/v2/models"], "/v2/models", 200, "all-v5");
  await c.call(v5, ["get", MODEL], m, 200, "all-v5");
  await c.call(v5, ["get", MODEL], "/v2/models/no-such-model", 404, "unknown model");
  await c.call(v5, ["get", VERSION], v, 200, "all-v5");
  await c.call(v5, ["get", VERSION], `${m}/versions/0.0.0-no`, 404, "unknown version");
  await c.call(v5, ["get", `${MODEL}/ready`], `${m}/ready`, 200, "all-v5");
  await c.call(v5, ["get", `${VERSION}/ready`], `${v}/ready`, 200, "all-v5");
  for (const [op, url] of [["/v2/health/ready", "/v2/health/ready"], ["/v2/models", "/v2/models"], [MODEL, m]]) {
    await c.call(loading, ["get", op], url, 503, "model loading");
  }

  const infer = ["post", `${MODEL}/infer`] as [Method, string];
  const bytesInput = (...files: Uint8Array[]) => ({
    inputs: [{ name: "image", datatype: "BYTES", shape: [files.length], data: files.map(base64) }],
  });
  await c.call(v5, infer, `${m}/infer`, 200, "BYTES base64 images", json({ id: "req-1", ...bytesInput(bmp, png) }));
  await c.call(v5, ["post", `${VERSION}/infer`], `${v}/infer`, 200, "versioned", json(bytesInput(png)));
  // the binary data extension: the image's raw bytes after the JSON header, and a binary output asked for
  const header = new TextEncoder().encode(JSON.stringify({
    inputs: [{ name: "image", datatype: "BYTES", shape: [1], parameters: { binary_data_size: png.length } }],
    outputs: [{ name: "scores", parameters: { binary_data: true } }, { name: "decision" }],
  }));
  const body = new Uint8Array(header.length + png.length);
  body.set(header);
  body.set(png, header.length);
  await c.call(v5, infer, `${m}/infer`, 200, "binary data in and out", {
    headers: { "content-type": "application/octet-stream", "inference-header-content-length": String(header.length) },
    body,
  });
  const tiny = app(models.tiny, { MAX_BATCH: "2" });
  const size = models.tiny.card.preprocess.size;
  const tensor = Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i) / 2);
  await c.call(
    tiny,
    ["post", `${MODEL}/infer`],
    "/v2/models/tiny-test/infer",
    200,
    "FP32 input tensor",
    json({
      inputs: [{ name: "input", datatype: "FP32", shape: [1, 3, size, size], data: tensor }],
    }),
  );
  // errors
  await c.call(v5, infer, `${m}/infer`, 400, "no inputs", json({ inputs: [] }));
  await c.call(v5, infer, `${m}/infer`, 400, "invalid JSON", {
    headers: { "content-type": "application/json" },
    body: "{",
  });
  await c.call(v5, infer, `${m}/infer`, 415, "text/plain", raw(notImage, "text/plain"));
  await c.call(v5, infer, `${m}/infer`, 415, "not an image", json(bytesInput(notImage)));
  await c.call(v5, infer, `${m}/infer`, 422, "8×8 PNG", json(bytesInput(solidPng(8, 8, [9, 9, 9, 255]))));
  await c.call(v5, infer, "/v2/models/no-such-model/infer", 404, "unknown model", json(bytesInput(png)));
  await c.call(
    tiny,
    infer,
    "/v2/models/tiny-test/infer",
    413,
    "3 images, MAX_BATCH 2",
    json(bytesInput(png, png, png)),
  );
  await c.call(loading, infer, `${m}/infer`, 503, "model loading", json(bytesInput(png)));
  const keyed = app(models.v5, { API_KEYS: "k1" });
  await c.call(keyed, ["get", "/v2"], "/v2", 401, "no key");
  await c.call(keyed, ["get", "/v2/health/live"], "/v2/health/live", 200, "no key: health needs none");
  await c.call(keyed, infer, `${m}/infer`, 401, "wrong key", { headers: { authorization: "Bearer k2" } });
  const limited = app(models.v5, { RATE_LIMIT_RPS: "0.001", RATE_LIMIT_BURST: "1" });
  await c.call(limited, ["get", "/v2/models"], "/v2/models", 200, "first request");
  await c.call(limited, ["get", "/v2/models"], "/v2/models", 429, "second request");
  const broken: ModelRuntime = {
    ...fakeRuntime(fakeCard({ id: "all-fake" })),
    run: () => Promise.reject(new Error("wasm trap")),
  };
  await c.call(app(broken), infer, "/v2/models/all-fake/infer", 500, "model throws", json(bytesInput(png)));
  await c.shared(v5, "/v2/no/such/path", {}, 404, "OipPathError");
  await c.shared(v5, "/v2/health/live", { method: "POST" }, 405, "OipPathError");
  await c.shared(v5, "/v2", { method: "BREW" }, 501, "OipPathError");
}

/** Runs a command with a deadline; its exit code, stdout and stderr. */
async function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(LIMIT_MS),
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

/** Client type ↔ generated type: each must be assignable to the other. */
const BOTH_WAYS: [string, string][] = [
  ["ErrorBody", `components["schemas"]["Error"]`],
  ["ErrorCode", `components["schemas"]["ErrorDetail"]["code"]`],
  ["Prediction", `components["schemas"]["PredictResponse"]`],
  ["Explanation", `components["schemas"]["ExplainResponse"]`],
  ["BatchResult", `components["schemas"]["BatchResponse"]`],
  ["BatchPrediction", `components["schemas"]["BatchPrediction"]`],
  ["BatchError", `components["schemas"]["BatchError"]`],
  ["CellsResult", `components["schemas"]["CellsResponse"]`],
  ["Cell", `components["schemas"]["Cell"]`],
  ["CellSummary", `components["schemas"]["CellSummary"]`],
  ["CellBox", `components["schemas"]["CellBox"]`],
  ["Readiness", `components["schemas"]["Readiness"]`],
  ["ModelWarning", `components["schemas"]["ModelWarning"]`],
  ["ModelCard", `components["schemas"]["ModelCard"]`],
  ["FeedbackInput", `components["schemas"]["FeedbackInput"]`],
  ["Feedback", `components["schemas"]["Feedback"]`],
  ["FeedbackReceipt", `components["schemas"]["FeedbackReceipt"]`],
  ["PredictionRecord", `components["schemas"]["PredictionRecord"]`],
];

/** The file `deno check` reads, and which line is which sample. */
function checkFile(samples: Sample[]): { source: string; lines: Map<number, string> } {
  const out = [
    `import type { components, paths } from "./types.ts";`,
    `import type * as C from ${JSON.stringify(CLIENT)};`,
  ];
  const lines = new Map<number, string>();
  const line = (text: string, label: string) => {
    out.push(text);
    lines.set(out.length, label);
  };
  samples.forEach((s, i) => {
    line(`export const s${i}: ${s.type} = ${JSON.stringify(s.body)};`, s.label);
    if (s.client) line(`export const c${i}: C.${s.client} = ${JSON.stringify(s.body)};`, `${s.label} as C.${s.client}`);
  });
  BOTH_WAYS.forEach(([client, generated], i) => {
    line(`export const g${i}: ${generated} = null as unknown as C.${client};`, `client ${client} → generated`);
    line(`export const h${i}: C.${client} = null as unknown as ${generated};`, `generated → client ${client}`);
  });
  // the harness itself: an answer without `decision` must not type-check
  out.push(`// @ts-expect-error a prediction without decision does not fit`);
  line(
    `export const wrong: ${opType("/v1/predict", "post", 200, "application/json")} = ${
      JSON.stringify({ label: "all", scores: { all: 1, normal: 0 }, requestId: "r" })
    };`,
    "self-check: a wrong answer must fail",
  );
  return { source: out.join("\n") + "\n", lines };
}

Deno.test({
  name: "openapi: types generated from /openapi.json fit real answers of every route, and the client's types",
  sanitizeResources: false, // the never-ending request bodies
  sanitizeOps: false,
  async fn() {
    const models = {
      v5: await loadModelFile(`${ROOT}model/all-v5.int8.onnx`),
      tiny: await loadModelFile(`${ROOT}tests/fixtures/models/tiny.int8.onnx`),
    };
    const dir = await Deno.makeTempDir({ prefix: "openapi_client_" });
    try {
      const c = await collect(models);
      const spec = await (await app(models.v5).request("/openapi.json")).json();

      // every documented operation has real answers (the /v2 ones once they are mounted)
      const operations = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
      const missing = operations.filter((op) => !c.covered.has(op) && !c.notMounted.has(op));
      assert.deepEqual(missing, [], `operations without a checked answer: ${missing.join(", ")}`);
      if (c.notMounted.size > 0) {
        console.warn(`not mounted, so not checked: ${[...c.notMounted].join(", ")}`);
      }

      await Deno.writeTextFile(`${dir}/openapi.json`, JSON.stringify(spec));
      const gen = await run("node", [
        `${ROOT}node_modules/openapi-typescript/bin/cli.js`,
        "openapi.json",
        "--output",
        "types.ts",
      ], dir);
      assert.equal(gen.code, 0, `openapi-typescript failed: ${gen.err}${gen.out}`);
      const types = await Deno.readTextFile(`${dir}/types.ts`);
      assert.doesNotMatch(
        types.split("export type $defs")[0].replace("export type webhooks = Record<string, never>;", ""),
        /Record<string, never>/,
        "a schema became an empty record",
      );

      const { source, lines } = checkFile(c.samples);
      await Deno.writeTextFile(`${dir}/check.ts`, source);
      const check = await run(Deno.execPath(), ["check", "--no-config", "--quiet", "check.ts"], dir);
      const output = check.err + check.out;
      // every error names the sample on its line
      const failures = output.split(/(?=TS\d+ \[ERROR\])/).filter((b) => b.startsWith("TS")).map((block) => {
        const where = /at file:\/\/\S*\/(\w+\.ts):(\d+):\d+/.exec(block);
        const what = where?.[1] === "check.ts" ? lines.get(Number(where[2])) : where ? `${where[1]}:${where[2]}` : "?";
        return `${what}: ${block.split("\n")[0]}`;
      });
      if (failures.length > 0) assert.fail(`answers that do not fit their documented types:\n${failures.join("\n")}`);
      assert.equal(check.code, 0, output.slice(0, 4000));
      assert.ok(c.samples.length > 60, `only ${c.samples.length} answers checked`);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await models.v5.close();
      await models.tiny.close();
    }
  },
});
