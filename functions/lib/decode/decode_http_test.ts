/**
 * The decode pool behind the HTTP API: a stuck decode neither blocks `/healthz` nor outlives the
 * request's budget (per image and per batch), refusals keep their status and message, and valid
 * images get the same answers as with in-thread decoding.
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { loadConfig } from "../config.ts";
import { tinyModel } from "../../../tests/helpers/model.ts";
import { fixture } from "../../../tests/helpers/images.ts";
import { createDecodePool, type DecodePool } from "./pool.ts";
import { SPIN, SPIN_WORKER, warmWithin, withMarker } from "./testing/spin_worker.ts";

async function setup(env: Record<string, string>, pool: DecodePool) {
  const model = await tinyModel();
  const config = loadConfig({ FEEDBACK_DB: ":memory:", ...env });
  return {
    pooled: createApp({ model, config, log: () => {}, decoder: pool }),
    inThread: createApp({ model, config, log: () => {} }),
  };
}

const post = (bytes: Uint8Array<ArrayBuffer>, type: string) => ({
  method: "POST",
  headers: { "content-type": type },
  body: bytes,
});

function batchForm(parts: [Uint8Array<ArrayBuffer>, string][]): RequestInit {
  const form = new FormData();
  parts.forEach(([bytes, type], i) => form.append("image", new Blob([bytes], { type }), `p${i}`));
  return { method: "POST", body: form };
}

/** A prediction's body without what differs between two runs (timings, ids). */
// deno-lint-ignore no-explicit-any
const stable = ({ timings: _t, requestId: _r, ...rest }: any) => rest;

Deno.test("decode pool over HTTP: /healthz answers while a decode is stuck; the stuck request gets 503 timeout at its budget; the next one is served", async () => {
  const pool = createDecodePool({ size: 1, workerUrl: SPIN_WORKER });
  try {
    const { pooled } = await setup({ REQUEST_BUDGET_MS: "1500" }, pool);
    await warmWithin(pool); // (loading a worker under `deno test` type-checks it: seconds)
    const png = await fixture("cnmc_all_UID_35_6_2_all.png");
    let stuckAnswered = false;
    const stuck = Promise.resolve(pooled.request("/v1/predict", post(withMarker(png, SPIN), "image/png"))).then(
      (res) => {
        stuckAnswered = true;
        return res;
      },
    );
    // (with in-thread decoding this request could not even start until the decode ended)
    for (let i = 0; i < 3; i++) {
      const health = await pooled.request("/healthz");
      assert.equal(health.status, 200);
      await health.body?.cancel();
    }
    assert.equal(stuckAnswered, false, "the stuck decode answered before /healthz did");
    assert.equal(pool.stats().running, 1);
    const res = await stuck;
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "timeout");
    assert.deepEqual([pool.stats().terminated, pool.stats().running], [1, 0]);
    await warmWithin(pool); // the replacement
    const next = await pooled.request("/v1/predict", post(png, "image/png"));
    assert.equal(next.status, 200);
    assert.deepEqual([(await next.json()).input.width, pool.stats().completed], [450, 1]);
  } finally {
    await pool.close();
  }
});

Deno.test("decode pool over HTTP: one budget covers a whole batch; images after it are refused without decoding", async () => {
  const pool = createDecodePool({ size: 1, workerUrl: SPIN_WORKER });
  try {
    const { pooled } = await setup({ REQUEST_BUDGET_MS: "1000" }, pool);
    await warmWithin(pool);
    const png = await fixture("cnmc_all_UID_35_6_2_all.png");
    const stuck = withMarker(png, SPIN);
    const res = await pooled.request(
      "/v1/predict/batch",
      batchForm([[stuck, "image/png"], [png, "image/png"], [png, "image/png"]]),
    );
    assert.equal(res.status, 200);
    const { results } = await res.json();
    assert.deepEqual(results.map((r: { error?: { code: string } }) => r.error?.code), [
      "timeout",
      "timeout",
      "timeout",
    ]);
    // only the first image reached a worker (terminated at the budget); the others never ran
    assert.deepEqual([pool.stats().terminated, pool.stats().completed], [1, 0]);
    await warmWithin(pool);
    const ok = await pooled.request("/v1/predict/batch", batchForm([[png, "image/png"], [png, "image/png"]]));
    assert.deepEqual((await ok.json()).results.map((r: { label?: string }) => typeof r.label), ["string", "string"]);
    assert.equal(pool.stats().completed, 2);
  } finally {
    await pool.close();
  }
});

Deno.test("decode pool over HTTP: same answers as in-thread decoding, for valid and refused images", async () => {
  const pool = createDecodePool({ size: 1 });
  try {
    const { pooled, inThread } = await setup({ MAX_PIXELS: "100000" }, pool);
    await warmWithin(pool);
    const png = await fixture("variant_rgb8.png");
    const cases: [string, Uint8Array<ArrayBuffer>, string][] = [
      ["png", png, "image/png"],
      ["jpeg", await fixture("taleqani_Benign_WBC-Benign-001.jpg"), "image/jpeg"],
      ["tiff", await fixture("variant_rgb_lzw.tif"), "image/tiff"],
      ["png, 16-bit interlaced", await fixture("variant_rgba16_adam7.png"), "image/png"],
      ["truncated png", png.slice(0, 500), "image/png"],
      ["cmyk jpeg", await fixture("variant_cmyk.jpg"), "image/jpeg"],
      ["over MAX_PIXELS", await fixture("full_baseline.jpg"), "image/jpeg"],
    ];
    const statuses: number[] = [];
    for (const [what, bytes, type] of cases) {
      const a = await pooled.request("/v1/explain", post(bytes, type));
      const b = await inThread.request("/v1/explain", post(bytes, type));
      assert.equal(a.status, b.status, `${what}: ${await a.clone().text()}`);
      statuses.push(a.status);
      assert.deepEqual(stable(await a.json()), stable(await b.json()), what);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 400, 415, 422]);
    assert.equal(pool.stats().completed, cases.length);
  } finally {
    await pool.close();
  }
});
