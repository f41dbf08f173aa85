import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createApp } from "../app.ts";
import { loadConfig } from "../lib/config.ts";
import { loadModelFile } from "../../model/core/mod.ts";
import { ApiClientError, type BatchError, type BatchPrediction, createClient } from "./mod.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IMAGES = `${ROOT}tests/fixtures/images/`;
const model = await loadModelFile(`${ROOT}tests/fixtures/models/tiny.int8.onnx`);
const bmp = await Deno.readFile(`${IMAGES}cnmc_all_UID_35_6_2_all.bmp`);
const png = await Deno.readFile(`${IMAGES}cnmc_hem_UID_H10_100_1_hem.png`);
const jpeg = await Deno.readFile(`${IMAGES}taleqani_Early_WBC-Malignant-Early-001.jpg`);

function service(env: Record<string, string> = {}) {
  const app = createApp({ model, config: loadConfig(env), log: () => {} });
  return { app, client: createClient({ baseUrl: "http://service", fetch: app.fetch }) };
}

/** Runs `fn`, which must reject with an ApiClientError; returns it. */
async function clientError(fn: () => Promise<unknown>): Promise<ApiClientError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof ApiClientError, `not an ApiClientError: ${e}`);
    return e;
  }
  assert.fail("expected an ApiClientError");
}

Deno.test("client: predict and explain give the app's answers, from bytes, a Blob or multipart", async () => {
  const { app, client } = service();
  const direct = await (await app.request("/v1/predict", {
    method: "POST",
    headers: { "content-type": "image/bmp" },
    body: bmp,
  })).json();
  const p = await client.predict(bmp, { contentType: "image/bmp" });
  assert.deepEqual([p.scores, p.decision, p.input], [direct.scores, direct.decision, direct.input]);
  assert.match(p.requestId, /^[0-9a-f-]{36}$/);
  const fromBlob = await client.predict(new Blob([png], { type: "image/png" }));
  assert.deepEqual([fromBlob.input.format, fromBlob.input.width], ["png", 450]);
  const named = await client.predict(jpeg.buffer, { filename: "early.jpg" }); // multipart, format sniffed
  assert.equal(named.input.format, "jpeg");
  const e = await client.explain(png, { clientRequestId: "lab-7" });
  assert.ok(e.heatmap.startsWith("data:image/png;base64,"));
  assert.equal(e.scores.all, fromBlob.scores.all);
});

Deno.test("client: cells gives the app's /v1/cells answer; without a cell model, cells_unavailable", async () => {
  const app = createApp({ model, cells: model, config: loadConfig({}), log: () => {} });
  const client = createClient({ baseUrl: "http://service", fetch: app.fetch });
  const direct = await (await app.request("/v1/cells", { method: "POST", body: jpeg })).json();
  const c = await client.cells(jpeg, { contentType: "image/jpeg" });
  assert.deepEqual([c.cells, c.summary, c.locator, c.input], [
    direct.cells,
    direct.summary,
    direct.locator,
    direct.input,
  ]);
  assert.ok(c.cells.length > 1, "a Taleqani field holds several cells");
  const one = await client.cells(new Blob([png], { type: "image/png" }), { filename: "hem.png" }); // multipart
  assert.deepEqual([one.cells.length, one.locator.background], [1, "black"]);
  const e = await clientError(() => service().client.cells(png));
  assert.deepEqual([e.status, e.code], [503, "cells_unavailable"]);
});

Deno.test("client: predictBatch returns one result per image with its index and filename, errors in place", async () => {
  const { client } = service();
  const { results, requestId } = await client.predictBatch([
    { image: png, filename: "hem.png" },
    { image: new TextEncoder().encode("not an image"), filename: "notes.txt" },
    jpeg,
  ]);
  assert.match(requestId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(results.map((r) => [r.index, r.filename]), [[0, "hem.png"], [1, "notes.txt"], [2, "image-2"]]);
  assert.equal((results[0] as BatchPrediction).input.format, "png");
  assert.equal((results[1] as BatchError).error.code, "unsupported_image");
  assert.equal((results[2] as BatchPrediction).input.format, "jpeg");
});

Deno.test("client: model and ready carry the card and its warnings (the tiny model has no domain check)", async () => {
  const { client } = service();
  const card = await client.model();
  assert.deepEqual([card.id, card.preprocess.size, card.reviewBand], ["tiny-test", 32, [0.4, 0.6]]);
  assert.deepEqual(card.warnings?.map((w) => w.code), ["no_domain_check"]);
  const ready = await client.ready();
  assert.deepEqual([ready.status, ready.model.id], ["ready", "tiny-test"]);
  assert.deepEqual(ready.warnings.map((w) => w.code), ["no_domain_check"]);
});

Deno.test("client: feedback is stored, matched to the prediction, and exported", async () => {
  const { client } = service();
  const before = new Date(Date.now() - 1000);
  const p = await client.predict(png);
  const other = p.label === "all" ? "normal" : "all";
  const receipt = await client.feedback({ requestId: p.requestId, label: other, reviewer: "lab-2", note: "check" });
  assert.deepEqual(
    [receipt.agrees, receipt.label, receipt.prediction.requestId, receipt.prediction.inputSha256],
    [false, other, p.requestId, p.input.sha256],
  );
  const byHash = await client.feedback({ inputSha256: p.input.sha256, label: p.label });
  assert.equal(byHash.agrees, true);
  const all = await client.exportFeedback();
  assert.deepEqual(all.map((f) => f.id), [receipt.id, byHash.id]);
  assert.deepEqual((await client.exportFeedback({ since: before })).length, 2);
  assert.deepEqual(await client.exportFeedback({ since: new Date(Date.now() + 60_000) }), []);
});

Deno.test("client: error answers throw ApiClientError with status, code, message and the request's id", async () => {
  const { client } = service();
  const wrongType = await clientError(() => client.predict(png, { contentType: "text/plain" }));
  assert.deepEqual([wrongType.status, wrongType.code], [415, "unsupported_media_type"]);
  assert.match(wrongType.message, /not accepted/);
  assert.match(wrongType.requestId ?? "", /^[0-9a-f-]{36}$/);
  const unknown = await clientError(() => client.feedback({ requestId: "no-such-request", label: "all" }));
  assert.deepEqual([unknown.status, unknown.code], [404, "prediction_not_found"]);
  const small = await clientError(() => client.predict(new Uint8Array([0x89, 0x50, 0x4e, 0x47])));
  assert.equal(small.status, 400);

  const keyed = createApp({ model, config: loadConfig({ API_KEYS: "k1" }), log: () => {} });
  const noKey = await clientError(() => createClient({ baseUrl: "http://s", fetch: keyed.fetch }).model());
  assert.deepEqual([noKey.status, noKey.code], [401, "unauthorized"]);
  const withKey = createClient({ baseUrl: "http://s", apiKey: "k1", fetch: keyed.fetch });
  assert.equal((await withKey.model()).id, "tiny-test");
});

Deno.test("client: keeps the base URL's path, sends the key and ids, reports an answer that is not the service's", async () => {
  const seen: Request[] = [];
  const fake = createClient({
    baseUrl: "https://lab.example/screen/",
    apiKey: "k1",
    fetch: (req) => {
      seen.push(req);
      return new Response("<html>gateway</html>", { status: 502, headers: { "x-request-id": "gw-1" } });
    },
  });
  const e = await clientError(() => fake.ready({ clientRequestId: "portal-9" }));
  assert.deepEqual([e.status, e.code, e.requestId], [502, "unexpected_response", "gw-1"]);
  assert.match(e.message, /not JSON.*gateway/);
  assert.equal(seen[0].url, "https://lab.example/screen/readyz");
  assert.equal(seen[0].headers.get("authorization"), "Bearer k1");
  assert.equal(seen[0].headers.get("x-request-id"), "portal-9");
  await clientError(() => fake.exportFeedback({ since: "2025-01-31T00:00:00Z" }));
  assert.equal(seen[1].url, "https://lab.example/screen/v1/feedback?since=2025-01-31T00%3A00%3A00Z");
});

Deno.test("client: type-checks with browser libraries alone and with erasable syntax only (Node's type stripping)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "client_check_" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ compilerOptions: { lib: ["dom", "dom.iterable", "esnext"], erasableSyntaxOnly: true } }),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", `${dir}/deno.json`, `${ROOT}functions/client/mod.ts`],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "client: runs under Node against the service over HTTP",
  sanitizeResources: false,
  async fn() {
    const { app } = service();
    const ac = new AbortController();
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} }, app.fetch);
    try {
      const script = `
        const { createClient, ApiClientError } = await import("./functions/client/mod.ts");
        const client = createClient({ baseUrl: process.env.BASE_URL });
        const { readFileSync } = await import("node:fs");
        const p = await client.predict(readFileSync(process.env.IMAGE), { contentType: "image/png" });
        const batch = await client.predictBatch([{ image: new Blob([readFileSync(process.env.IMAGE)]), filename: "a.png" }]);
        let error;
        try { await client.feedback({ requestId: "nope", label: "all" }); } catch (e) { error = e instanceof ApiClientError && e.code; }
        console.log(JSON.stringify({ id: p.model.id, all: p.scores.all, batch: batch.results.map((r) => r.filename), error }));
      `;
      const out = await new Deno.Command("node", {
        args: ["--import", "tsx", "--input-type=module", "-e", script],
        cwd: ROOT,
        env: { BASE_URL: `http://127.0.0.1:${server.addr.port}`, IMAGE: `${IMAGES}cnmc_hem_UID_H10_100_1_hem.png` },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const got = JSON.parse(new TextDecoder().decode(out.stdout));
      const { client } = service();
      const expected = await client.predict(png, { contentType: "image/png" });
      assert.deepEqual(got, {
        id: "tiny-test",
        all: expected.scores.all,
        batch: ["a.png"],
        error: "prediction_not_found",
      });
    } finally {
      ac.abort();
      await server.finished;
    }
  },
});
