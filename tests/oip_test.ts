/**
 * Open Inference Protocol v2 (`/v2`, functions/lib/oip/) on the committed default model: `infer`
 * answers exactly what `/v1/predict` answers on the fixture images, whether the images come as
 * base64 BYTES, as binary data or as the card's preprocessed FP32 tensor; metadata follows the
 * card; errors, auth, limits and the audit trail follow `/v1`. Every JSON answer is checked
 * against the protocol's published shapes (tests/helpers/oip_schema.ts).
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { type Config, loadConfig } from "../functions/lib/config.ts";
import { createMemoryStore } from "../functions/lib/feedback/store.ts";
import {
  decodeImage,
  DEFAULT_MODEL,
  loadModelFile,
  type ModelRuntime,
  normalizeToTensor,
  toFloatRgb,
} from "../model/core/mod.ts";
import { FIXTURES } from "./helpers/model.ts";
import { fixture } from "./helpers/images.ts";
import { validate } from "./helpers/oip_schema.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const root = new URL("../", import.meta.url);
let shared: Promise<ModelRuntime> | undefined;
/** The committed default model (model/all-v6.1.int8.onnx), loaded once. */
const model = () => (shared ??= loadModelFile(new URL(DEFAULT_MODEL, root).pathname));

async function setup(env: Record<string, string> = {}, config: Partial<Config> = {}) {
  const runtime = await model();
  const feedback = createMemoryStore();
  const app = createApp({ model: runtime, config: { ...loadConfig(env), ...config }, log: () => {}, feedback });
  return { app, runtime, card: runtime.card, feedback };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** A BYTES tensor's binary form: each element's 4-byte little-endian length, then its bytes. */
function frame(elements: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(elements.reduce((a, e) => a + 4 + e.length, 0));
  let at = 0;
  for (const e of elements) {
    new DataView(out.buffer).setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

/** A binary-extension request: the JSON header, then `binary`. */
function binaryRequest(header: unknown, binary: Uint8Array, headers: Record<string, string> = {}): RequestInit {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(head.length + binary.length);
  body.set(head);
  body.set(binary, head.length);
  return {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(head.length),
      ...headers,
    },
    body,
  };
}

/** A binary-extension response, split: the JSON header and each binary output's bytes by name. */
async function readBinaryResponse(res: Response): Promise<{ header: Json; chunks: Record<string, Uint8Array> }> {
  const n = Number(res.headers.get("inference-header-content-length"));
  assert.ok(n > 0, "Inference-Header-Content-Length on a binary answer");
  assert.equal(res.headers.get("content-type"), "application/octet-stream");
  const body = new Uint8Array(await res.arrayBuffer());
  const header = JSON.parse(new TextDecoder().decode(body.subarray(0, n)));
  const chunks: Record<string, Uint8Array> = {};
  let at = n;
  for (const o of header.outputs) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    chunks[o.name] = body.subarray(at, at + size);
    at += size;
  }
  assert.equal(at, body.length, "the binary outputs fill the body");
  return { header, chunks };
}

function strings(chunk: Uint8Array): string[] {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const out: string[] = [];
  for (let at = 0; at < chunk.length;) {
    const len = view.getUint32(at, true);
    out.push(new TextDecoder().decode(chunk.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  return out;
}

/** The outputs of a JSON infer answer, by name, after checking it against the protocol. */
async function outputs(res: Response): Promise<Record<string, Json>> {
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.deepEqual(validate(body, "inference_response"), []);
  return Object.fromEntries(body.outputs.map((o: Json) => [o.name, o]));
}

async function expectOipError(res: Response, status: number, message: RegExp): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  const body = JSON.parse(text);
  assert.deepEqual(validate(body, "inference_error_response"), []);
  assert.deepEqual(Object.keys(body), ["error"], "the protocol's error shape");
  assert.match(body.error, message);
}

/** What /v1/predict answers for each fixture. */
async function v1Answers(app: Awaited<ReturnType<typeof setup>>["app"]) {
  const images = await Promise.all(FIXTURES.map(([name]) => fixture(name)));
  const answers: Json[] = [];
  for (const [i, [name, type]] of FIXTURES.entries()) {
    const res = await app.request("/v1/predict", {
      method: "POST",
      headers: { "content-type": type },
      body: images[i],
    });
    assert.equal(res.status, 200, name);
    answers.push(await res.json());
  }
  return { images, answers };
}

Deno.test("OIP infer (BYTES base64, binary data, FP32 tensor) answers exactly as /v1/predict on the fixtures", async () => {
  const { app, card } = await setup();
  const { images, answers } = await v1Answers(app);
  const names = FIXTURES.map(([name]) => name);
  assert.ok(new Set(answers.map((a) => a.decision)).size > 1, "the fixtures get different answers");

  // (a) base64 BYTES, one request for all the images
  const request = {
    id: "lab-42",
    inputs: [{ name: "image", datatype: "BYTES", shape: [images.length], data: images.map((b) => b.toBase64()) }],
  };
  assert.deepEqual(validate(request, "inference_request"), []);
  const res = await app.request(`/v2/models/${card.id}/infer`, json(request));
  assert.equal(res.headers.get("cache-control"), "no-store");
  const raw = await res.clone().json();
  assert.deepEqual([raw.model_name, raw.model_version, raw.id], [card.id, card.version, "lab-42"]);
  assert.equal(raw.parameters.request_id, res.headers.get("x-request-id"));
  const a = await outputs(res);
  assert.deepEqual(a.scores.shape, [images.length, 2]);
  assert.equal(a.scores.datatype, "FP32");
  assert.deepEqual(a.scores.data, answers.flatMap((p) => [p.scores.all, p.scores.normal]), "same scores, exactly");
  assert.deepEqual(a.label.data, answers.map((p) => p.label));
  assert.deepEqual(a.decision.data, answers.map((p) => p.decision));
  assert.deepEqual(a.reasons.data.map((r: string) => JSON.parse(r)), answers.map((p) => p.reasons ?? []));

  // (b) binary data: framed images in, binary outputs out (scores as float32)
  const bin = await app.request(
    `/v2/models/${card.id}/versions/${card.version}/infer`,
    binaryRequest({
      inputs: [{
        name: "image",
        datatype: "BYTES",
        shape: [images.length],
        parameters: { binary_data_size: frame(images).length },
      }],
      parameters: { binary_data_output: true },
      outputs: [{ name: "scores" }, { name: "decision" }, { name: "label", parameters: { binary_data: false } }],
    }, frame(images)),
  );
  assert.equal(bin.status, 200);
  const { header, chunks } = await readBinaryResponse(bin);
  assert.deepEqual(header.outputs.map((o: Json) => o.name), ["scores", "decision", "label"]);
  assert.deepEqual(header.outputs[2].data, answers.map((p) => p.label), "label asked as JSON");
  const scores = new Float32Array(chunks.scores.slice().buffer);
  assert.deepEqual([...scores], answers.flatMap((p) => [Math.fround(p.scores.all), Math.fround(p.scores.normal)]));
  assert.deepEqual(strings(chunks.decision), answers.map((p) => p.decision));

  // one raw image as binary data, as `curl --data-binary` sends it (no framing)
  const i = names.indexOf("taleqani_Early_WBC-Malignant-Early-001.jpg");
  const one = await outputs(
    await app.request(
      `/v2/models/${card.id}/infer`,
      binaryRequest({
        inputs: [{ name: "image", datatype: "BYTES", shape: [1], parameters: { binary_data_size: images[i].length } }],
      }, images[i]),
    ),
  );
  assert.deepEqual(one.scores.data, [answers[i].scores.all, answers[i].scores.normal]);

  // (c) the card's preprocessed tensor, built with the core's preprocessing, as FP32 JSON
  const size = card.preprocess.size;
  const per = 3 * size * size;
  const tensor = new Float32Array(images.length * per);
  for (const [k, bytes] of images.entries()) {
    tensor.set(
      normalizeToTensor(toFloatRgb(await decodeImage(bytes), card.preprocess), card.preprocess, "NCHW"),
      k * per,
    );
  }
  const fp32 = await outputs(
    await app.request(
      `/v2/models/${card.id}/infer`,
      json({ inputs: [{ name: "input", datatype: "FP32", shape: [images.length, 3, size, size], data: [...tensor] }] }),
    ),
  );
  assert.deepEqual(fp32.scores.data, answers.flatMap((p) => [p.scores.all, p.scores.normal]), "FP32: same scores");
  assert.deepEqual(fp32.label.data, answers.map((p) => p.label));
  // a tensor has no image statistics: the card's sanity ranges cannot be checked, so the domain
  // check answers `review` and says why (never a silent `all` / `normal`)
  assert.ok(card.domain?.ranges && Object.keys(card.domain.ranges).length > 0, "the default card has sanity ranges");
  assert.deepEqual(fp32.decision.data, images.map(() => "review"));
  for (const r of fp32.reasons.data) {
    assert.deepEqual(
      JSON.parse(r).filter((m: string) => m.includes("cannot be computed")).length,
      Object.keys(card.domain!.ranges).length,
    );
  }
  // the same tensor as binary data gives the same answer
  const fp32bin = await outputs(
    await app.request(
      `/v2/models/${card.id}/infer`,
      binaryRequest({
        inputs: [{
          name: "input",
          datatype: "FP32",
          shape: [1, 3, size, size],
          parameters: { binary_data_size: per * 4 },
        }],
      }, new Uint8Array(tensor.buffer, i * per * 4, per * 4)),
    ),
  );
  assert.deepEqual(fp32bin.scores.data, [answers[i].scores.all, answers[i].scores.normal]);
});

Deno.test("OIP metadata, listing and health follow the card and the protocol's shapes", async () => {
  const { app, card } = await setup();
  const get = async (path: string, schema?: string) => {
    const res = await app.request(path);
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    const body = await res.json();
    if (schema) assert.deepEqual(validate(body, schema), [], path);
    return body;
  };
  assert.deepEqual(await get("/v2/health/live"), { live: true });
  assert.deepEqual(await get("/v2/health/ready"), { ready: true });
  assert.deepEqual(await get("/v2", "metadata_server_response"), {
    name: "all-screen",
    version: "1.0.0",
    extensions: ["binary_tensor_data"],
  });
  assert.deepEqual(await get("/v2/models"), {
    models: [{ name: card.id, versions: [card.version], platform: "onnx" }],
  });
  const meta = await get(`/v2/models/${card.id}`, "metadata_model_response");
  assert.deepEqual(meta, await get(`/v2/models/${card.id}/versions/${card.version}`, "metadata_model_response"));
  const s = card.preprocess.size;
  assert.deepEqual(meta, {
    name: "all-screen",
    versions: ["6.1.0"],
    platform: "onnx",
    inputs: [
      { name: "image", datatype: "BYTES", shape: [-1] },
      { name: "input", datatype: "FP32", shape: [-1, 3, s, s] },
    ],
    outputs: [
      { name: "scores", datatype: "FP32", shape: [-1, 2] },
      { name: "label", datatype: "BYTES", shape: [-1] },
      { name: "decision", datatype: "BYTES", shape: [-1] },
      { name: "reasons", datatype: "BYTES", shape: [-1] },
    ],
  });
  assert.equal(s, 96);
  assert.deepEqual(await get(`/v2/models/${card.id}/ready`), { name: card.id, ready: true });
  assert.deepEqual(await get(`/v2/models/${card.id}/versions/${card.version}/ready`), { name: card.id, ready: true });

  // while the model loads: live, not ready (503 in the protocol's error shape)
  let resolve!: (m: ModelRuntime) => void;
  const loading = createApp({
    model: new Promise<ModelRuntime>((r) => resolve = r),
    config: loadConfig({}),
    log: () => {},
  });
  assert.equal((await loading.request("/v2/health/live")).status, 200);
  await expectOipError(await loading.request("/v2/health/ready"), 503, /still loading/);
  await expectOipError(await loading.request(`/v2/models/${card.id}/ready`), 503, /still loading/);
  resolve(await model());
});

Deno.test("OIP errors: unknown model or version 404, bad tensors 400, limits as /v1, all as {error}", async () => {
  const { app, card } = await setup({ MAX_BATCH: "2", MAX_BODY_BYTES: "300000" });
  const png = await fixture("variant_grey8.png");
  const infer = `/v2/models/${card.id}/infer`;
  const image = (data: unknown[], shape = [data.length]) => ({
    inputs: [{ name: "image", datatype: "BYTES", shape, data }],
  });
  for (const path of ["/v2/models/all-v4", "/v2/models/other/ready", "/v2/models/x/versions/5.0.0"]) {
    await expectOipError(await app.request(path), 404, /no model "(all-v4|other|x)" is served here; .*"all-screen"/);
  }
  await expectOipError(await app.request("/v2/models/other/infer", json(image([png.toBase64()]))), 404, /no model/);
  await expectOipError(
    await app.request(`/v2/models/${card.id}/versions/4.0.0/infer`, json(image([png.toBase64()]))),
    404,
    /has no version "4.0.0"; it serves version "6.1.0"/,
  );
  await expectOipError(await app.request("/v2/repository/index"), 404, /no route/);
  await expectOipError(await app.request(infer, json(image([png.toBase64()], [1, 3]))), 400, /send \[n\]/);
  await expectOipError(
    await app.request(infer, json({ inputs: [{ name: "image", datatype: "UINT8", shape: [1], data: [1] }] })),
    400,
    /send encoded images as BYTES/,
  );
  await expectOipError(
    await app.request(infer, json({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 3, 32, 32], data: [] }] })),
    400,
    /this model takes \[n, 3, 96, 96\]/,
  );
  await expectOipError(await app.request(infer, { ...json({}), body: "{inputs" }), 400, /not valid JSON/);
  await expectOipError(await app.request(infer, json(image(["%%"]))), 400, /not valid base64/);
  // an image the pipeline refuses: its /v1 error, naming the element
  await expectOipError(
    await app.request(infer, json(image([png.toBase64(), btoa("not an image")]))),
    415,
    /^element 1 of inputs\[0\]: /,
  );
  await expectOipError(await app.request(infer, json(image(Array(3).fill(png.toBase64())))), 413, /at most 2/);
  await expectOipError(await app.request(infer, json(image(["A".repeat(400_000)]))), 413, /300000-byte limit/);
  await expectOipError(
    await app.request(infer, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }),
    415,
    /application\/json/,
  );
  const get = await app.request(infer);
  assert.equal(get.headers.get("allow"), "POST");
  await expectOipError(get, 405, /GET is not allowed on \/v2\/models\/:name\/infer; use POST/);
  await expectOipError(await app.request("/v2/models", { method: "DELETE" }), 405, /use GET/);
  // /v1 keeps its own error shape
  assert.equal((await (await app.request("/v1/nope")).json()).error.code, "not_found");
});

Deno.test("OIP auth and rate limit: /v2/* needs the API key like /v1/*, /v2/health/* stays open", async () => {
  const { app, card } = await setup({ API_KEYS: "k1", RATE_LIMIT_RPS: "0.001", RATE_LIMIT_BURST: "3" });
  const png = await fixture("variant_grey8.png");
  const body = { inputs: [{ name: "image", datatype: "BYTES", shape: [1], data: [png.toBase64()] }] };
  for (const path of ["/v2", "/v2/models", `/v2/models/${card.id}`, `/v2/models/${card.id}/ready`, "/v2/nope"]) {
    const res = await app.request(path);
    assert.equal(res.status, 401, path);
    assert.deepEqual(Object.keys(await res.json()), ["error"]);
  }
  assert.equal((await app.request(`/v2/models/${card.id}/infer`, json(body))).status, 401);
  for (let k = 0; k < 5; k++) {
    assert.equal((await app.request("/v2/health/live")).status, 200, "probes carry no key, are not limited");
    assert.equal((await app.request("/v2/health/ready")).status, 200);
  }
  const key = { authorization: "Bearer k1" };
  assert.equal((await app.request(`/v2/models/${card.id}/infer`, json(body, key))).status, 200);
  assert.equal((await app.request("/v2/models", { headers: key })).status, 200);
  // one bucket per client across /v1 and /v2: the third request is the last of the burst
  assert.equal((await app.request("/v1/model", { headers: key })).status, 200);
  const limited = await app.request("/v2/models", { headers: key });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  assert.match((await limited.json()).error, /^too many requests/);
});

Deno.test("OIP answers are in the audit trail: /v1/feedback finds them by request id and input hash", async () => {
  const { app, card, feedback } = await setup();
  const images = [await fixture("cnmc_hem_UID_H10_100_1_hem.png"), await fixture("cnmc_all_UID_35_6_2_all.bmp")];
  const res = await app.request(
    `/v2/models/${card.id}/infer`,
    json({ inputs: [{ name: "image", datatype: "BYTES", shape: [2], data: images.map((b) => b.toBase64()) }] }),
  );
  const requestId = res.headers.get("x-request-id")!;
  const out = await outputs(res);
  const records = await feedback.predictionsByRequest(requestId);
  assert.deepEqual(records.map((r) => [r.index, r.route, r.decision]), [
    [0, "/v2/models/:name/infer", out.decision.data[0]],
    [1, "/v2/models/:name/infer", out.decision.data[1]],
  ]);
  const v1 = await (await app.request("/v1/predict", { method: "POST", body: images[1] })).json();
  assert.equal(records[1].inputSha256, v1.input.sha256);
  const fb = await app.request(
    "/v1/feedback",
    json({ requestId, inputSha256: v1.input.sha256, label: "all", reviewer: "r" }),
  );
  assert.equal(fb.status, 201, await fb.clone().text());
});
