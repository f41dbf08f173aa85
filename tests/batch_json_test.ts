/**
 * `/v1` with JSON bodies (base64 images) and batch items that echo their part (`index`,
 * `filename`), through the app with the exact fake model (functions/lib/http/input.ts, the batch
 * handler in functions/app.ts).
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { createMemoryStore } from "../functions/lib/feedback/store.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";
import { fixture, solidPng } from "./helpers/images.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

function setup(env: Record<string, string> = {}) {
  const feedback = createMemoryStore();
  const app = createApp({ model: fakeRuntime(), config: loadConfig(env), log: () => {}, feedback });
  return { app, feedback };
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

async function expectError(res: Response, status: number, code: string, message: RegExp): Promise<void> {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.match(body.error.message, message);
  assert.equal(body.requestId, res.headers.get("x-request-id"));
}

Deno.test("batch: every result echoes its part's index and filename, predictions and errors alike", async () => {
  const { app, feedback } = setup();
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  const png = await fixture("cnmc_hem_UID_H10_100_1_hem.png");
  const form = new FormData();
  form.append("image", new File([png], "first.png"));
  form.append("image", new File([new TextEncoder().encode("not an image")], "broken.png"));
  form.append("image", new File([bmp], "third.bmp"));
  const multipart = await (await app.request("/v1/predict/batch", { method: "POST", body: form })).json();
  assert.deepEqual(multipart.results.map((r: Json) => [r.index, r.filename, r.error?.code ?? r.decision]), [
    [0, "first.png", multipart.results[0].decision],
    [1, "broken.png", "unsupported_image"],
    [2, "third.bmp", multipart.results[2].decision],
  ]);
  assert.equal(multipart.results[2].input.format, "bmp");

  // JSON: the same images, one without a filename (the key is then absent)
  const res = await app.request(
    "/v1/predict/batch",
    json({
      images: [
        { image: png.toBase64(), filename: "first.png" },
        { image: btoa("not an image"), filename: "broken.png" },
        { image: `data:image/bmp;base64,${bmp.toBase64()}` },
      ],
    }),
  );
  assert.equal(res.status, 200);
  const batch = await res.json();
  assert.deepEqual(batch.results.map((r: Json) => [r.index, r.filename, r.error?.code ?? r.scores.all]), [
    [0, "first.png", multipart.results[0].scores.all],
    [1, "broken.png", "unsupported_image"],
    [2, undefined, multipart.results[2].scores.all],
  ]);
  assert.ok(!("filename" in batch.results[2]));
  // the audit trail has each prediction under its index (the error has none)
  const records = await feedback.predictionsByRequest(batch.requestId);
  assert.deepEqual(records.map((r) => [r.index, r.inputSha256]), [
    [0, batch.results[0].input.sha256],
    [2, batch.results[2].input.sha256],
  ]);
});

Deno.test("/v1/predict and /v1/explain take JSON base64 and answer as for the raw bytes", async () => {
  const { app } = setup();
  const jpg = await fixture("taleqani_Benign_WBC-Benign-001.jpg");
  const raw = await (await app.request("/v1/explain", { method: "POST", body: jpg })).json();
  for (const route of ["/v1/predict", "/v1/explain"]) {
    const res = await app.request(
      route,
      json({ image: `data:image/jpeg;base64,${jpg.toBase64()}`, filename: "b.jpg" }),
    );
    assert.equal(res.status, 200, await res.clone().text());
    const p = await res.json();
    assert.deepEqual([p.scores, p.input], [raw.scores, raw.input]);
    assert.equal(p.heatmap, route === "/v1/explain" ? raw.heatmap : undefined);
    assert.equal(res.headers.get("cache-control"), "no-store");
  }
});

Deno.test("JSON input errors: 400 invalid_json / invalid_body / invalid_base64, limits as for bytes", async () => {
  const { app } = setup({ MAX_BODY_BYTES: "5000", MAX_BATCH: "2" });
  const png = solidPng(20, 20, [1, 2, 3, 255]);
  await expectError(await app.request("/v1/predict", json("{")), 400, "invalid_json", /not valid JSON/);
  await expectError(await app.request("/v1/predict", json({ img: "x" })), 400, "invalid_body", /`image` is missing/);
  await expectError(await app.request("/v1/predict", json({ image: "@@" })), 400, "invalid_base64", /`image`/);
  await expectError(await app.request("/v1/predict", json({ image: "" })), 400, "empty_body", /empty/);
  await expectError(
    await app.request("/v1/predict/batch", json({ images: [{ image: png.toBase64() }, { image: 1 }] })),
    400,
    "invalid_body",
    /images\[1\]\.image is not a string/,
  );
  await expectError(
    await app.request("/v1/predict/batch", json({ images: Array(3).fill({ image: "aGk=" }) })),
    413,
    "too_many_images",
    /at most 2/,
  );
  // the body limit counts the JSON's bytes
  await expectError(
    await app.request("/v1/predict", json({ image: "A".repeat(5000) })),
    413,
    "body_too_large",
    /5000-byte limit/,
  );
  // a raw body on the batch route is still 415, now naming both accepted forms
  await expectError(
    await app.request("/v1/predict/batch", { method: "POST", headers: { "content-type": "image/png" }, body: png }),
    415,
    "unsupported_media_type",
    /multipart\/form-data.*application\/json/,
  );
  const ok = await app.request("/v1/predict/batch", json({ images: [{ image: png.toBase64(), filename: "s.png" }] }));
  assert.deepEqual((await ok.json()).results.map((r: Json) => [r.index, r.filename, r.input.format]), [
    [0, "s.png", "png"],
  ]);
});
