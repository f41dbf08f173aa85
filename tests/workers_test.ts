/**
 * The Workers build (workerd via `wrangler dev --local`, offline) gives the same answers as the
 * Deno build on real fixture images, and its deploy bundle fits Workers' upload limit.
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { DEFAULT_MODEL } from "../model/core/card/default.ts";
import {
  bundledCellModel,
  deployWorkers,
  startWorkersDev,
  stripJsonComments,
  workerEntrySource,
} from "../functions/lib/workers/wrangler.ts";
import { FIXTURES, TINY_MODEL, tinyModel } from "./helpers/model.ts";
import { fixture } from "./helpers/images.ts";

const root = new URL("../", import.meta.url);
const hasWrangler = (() => {
  try {
    Deno.statSync(new URL("node_modules/wrangler/bin/wrangler.js", root));
    return true;
  } catch {
    return false;
  }
})();

Deno.test("functions/worker.ts is the generated entry for DEFAULT_MODEL (and the cell model, when there); wrangler.jsonc is valid", async () => {
  // stale once the default cell model lands: write workerEntrySource(...) below into functions/worker.ts
  assert.equal(
    await Deno.readTextFile(new URL("functions/worker.ts", root)),
    workerEntrySource(DEFAULT_MODEL, "functions", bundledCellModel()),
  );
  const cfg = JSON.parse(stripJsonComments(await Deno.readTextFile(new URL("wrangler.jsonc", root))));
  assert.equal(cfg.main, "functions/worker.ts");
  assert.equal(cfg.send_metrics, false);
  assert.deepEqual(cfg.rules.map((r: { type: string }) => r.type), ["CompiledWasm", "Data"]);
});

/** An OIP v2 infer request for one encoded image: base64 in JSON, or raw bytes with the binary data extension. */
function oipInfer(image: Uint8Array, binary: boolean): RequestInit {
  if (!binary) {
    const input = { name: "image", datatype: "BYTES", shape: [1], data: [image.toBase64()] };
    return {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [input] }),
    };
  }
  const input = { name: "image", datatype: "BYTES", shape: [1], parameters: { binary_data_size: image.length } };
  const head = new TextEncoder().encode(JSON.stringify({ inputs: [input] }));
  const body = new Uint8Array(head.length + image.length);
  body.set(head);
  body.set(image, head.length);
  return {
    method: "POST",
    headers: { "content-type": "application/octet-stream", "inference-header-content-length": String(head.length) },
    body,
  };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test({
  name: "Workers build (wrangler dev --local) answers like the Deno build on real images",
  ignore: !hasWrangler,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dev = await startWorkersDev({
      modelPath: TINY_MODEL,
      cellModelPath: TINY_MODEL, // a stand-in cell model for /v1/cells
      port: freePort(),
      vars: { MAX_BATCH: "3" },
      timeoutMs: 90_000,
    });
    try {
      const deno = createApp({
        model: await tinyModel(),
        cells: await tinyModel(),
        config: loadConfig({ MAX_BATCH: "3" }),
        log: () => {},
      });
      for (const f of FIXTURES) {
        const [name, type] = f;
        const body = await fixture(name);
        const init = () => ({ method: "POST", body, headers: { "content-type": type } });
        const w = await fetch(`${dev.url}/v1/explain`, init());
        assert.equal(w.status, 200, `${name}: ${await w.clone().text()}`);
        const wb = await w.json();
        const db = await (await deno.request("/v1/explain", init())).json();
        assert.equal(wb.scores.all, db.scores.all, name);
        assert.deepEqual(wb.subtype, db.subtype, name);
        assert.equal(wb.decision, db.decision, name);
        assert.deepEqual(wb.input, db.input, name);
        assert.equal(wb.heatmap, db.heatmap, `${name}: heatmap`);
        assert.equal(wb.requestId, w.headers.get("x-request-id"));
        // Open Inference Protocol v2 on the Worker: the same scores, as base64 BYTES or raw binary data
        const oip = await fetch(`${dev.url}/v2/models/tiny-test/infer`, oipInfer(body, FIXTURES.indexOf(f) % 2 === 1));
        assert.equal(oip.status, 200, `${name}: ${await oip.clone().text()}`);
        const scores = (await oip.json()).outputs.find((o: { name: string }) => o.name === "scores");
        assert.deepEqual(scores.data, [db.scores.all, db.scores.normal], `${name}: OIP scores`);
        // /v1/cells: the same cells, boxes and scores
        const wc = await fetch(`${dev.url}/v1/cells`, init());
        assert.equal(wc.status, 200, `${name}: ${await wc.clone().text()}`);
        const wcb = await wc.json();
        const dcb = await (await deno.request("/v1/cells", init())).json();
        assert.deepEqual(
          [wcb.cells, wcb.summary, wcb.locator],
          [dcb.cells, dcb.summary, dcb.locator],
          `${name}: cells`,
        );
      }
      const cnmc = await fetch(`${dev.url}/v1/cells`, {
        method: "POST",
        body: await fixture("cnmc_all_UID_35_6_2_all.png"),
        headers: { "content-type": "image/png" },
      });
      assert.equal((await cnmc.json()).cells.length, 1, "a C-NMC cell: one cell on the Worker too");
      const bad = await fetch(`${dev.url}/v1/predict`, {
        method: "POST",
        body: "garbage",
        headers: { "content-type": "image/png" },
      });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error.code, "corrupt_image");
      const form = new FormData();
      for (let i = 0; i < 4; i++) form.append("image", new Blob([await fixture("variant_grey8.png")]), "x.png");
      const many = await fetch(`${dev.url}/v1/predict/batch`, { method: "POST", body: form });
      assert.equal(many.status, 413, "MAX_BATCH var reaches the Worker");
      await many.body?.cancel();
      const card = await (await fetch(`${dev.url}/v1/model`)).json();
      assert.equal(card.id, "tiny-test");
    } finally {
      await dev.stop();
    }
  },
});

/** Cloudflare's limit on a Worker's compressed upload (paid plans; the free plan allows 3 MB). */
const WORKERS_UPLOAD_LIMIT_GZIP_BYTES = 10 * 1024 * 1024;

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

Deno.test({
  name: "deploy:workers --dry-run: the committed model's bundle fits the upload limit; API keys stay out of it",
  ignore: !hasWrangler,
  async fn() {
    const outdir = await Deno.makeTempDir({ prefix: "worker-bundle-" });
    try {
      const r = await deployWorkers({
        modelPath: DEFAULT_MODEL,
        vars: { API_KEYS: "do-not-upload-this-key", MAX_BATCH: "3" },
        args: ["--dry-run", "--outdir", outdir],
        output: "piped",
      });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /env\.MAX_BATCH \("3"\)/, "configuration reaches the Worker as vars");
      assert.doesNotMatch(r.output, /API_KEYS|do-not-upload-this-key/);
      assert.doesNotMatch(r.output, /WARNING/, "wrangler warns about nothing (e.g. Node built-ins)");

      const files = [...Deno.readDirSync(outdir)].map((e) => e.name);
      const modelName = DEFAULT_MODEL.split("/").pop()!;
      const cellModel = bundledCellModel(); // the /v1/cells classifier, bundled once it exists
      const wanted = ["worker.js", "-ort-wasm-simd-threaded.wasm", "-jpeg.wasm", `-${modelName}`];
      if (cellModel) wanted.push(`-${cellModel.split("/").pop()}`);
      for (const want of wanted) {
        assert.ok(files.some((f) => f.endsWith(want)), `${want} in ${files}`);
      }
      const worker = await Deno.readTextFile(`${outdir}/worker.js`);
      assert.ok(!worker.includes("do-not-upload-this-key"));
      let gzip = 0;
      for (const f of files.filter((f) => !f.endsWith(".map") && f !== "README.md")) {
        gzip += await gzipSize(await Deno.readFile(`${outdir}/${f}`));
      }
      assert.ok(gzip < WORKERS_UPLOAD_LIMIT_GZIP_BYTES, `upload is ${gzip} bytes gzipped`);
    } finally {
      await Deno.remove(outdir, { recursive: true });
    }
  },
});
