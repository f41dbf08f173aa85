import assert from "node:assert/strict";
import { getWasmModule } from "../../../model/core/mod.ts";
import { createWorkerHandler, type WorkerAssets } from "./handler.ts";

const TINY = "tests/fixtures/models/tiny.int8.onnx";
const assets = async (cells: boolean): Promise<WorkerAssets> => {
  const model = await Deno.readFile(TINY);
  const card = JSON.parse(await Deno.readTextFile(TINY.replace(/\.onnx$/, ".json")));
  return {
    model,
    card,
    wasm: { ort: await getWasmModule("ort"), jpeg: await getWasmModule("jpeg") },
    ...(cells ? { cells: { model, card: { ...card, id: "tiny-cells" }, path: TINY } } : {}),
  };
};
const cellsRequest = async () =>
  new Request("http://worker/v1/cells", {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"),
  });

Deno.test("Workers handler: a bundled cell model answers /v1/cells from the first request on", async () => {
  const handler = createWorkerHandler(await assets(true));
  const res = await handler.fetch(await cellsRequest(), {});
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.deepEqual([body.cells.length, body.model.id, body.locator.background], [1, "tiny-cells", "black"]);
  const ready = await (await handler.fetch(new Request("http://worker/readyz"), {})).json();
  assert.deepEqual(ready.warnings.map((w: { code: string }) => w.code), ["no_domain_check"]);
});

Deno.test("Workers handler: built without a cell model → /v1/cells 503 cells_unavailable, /readyz warns, predict answers", async () => {
  const handler = createWorkerHandler(await assets(false));
  const res = await handler.fetch(await cellsRequest(), { MAX_CELLS: "4" });
  assert.equal(res.status, 503);
  const e = await res.json();
  assert.equal(e.error.code, "cells_unavailable");
  assert.match(e.error.message, /built without a cell model \(CELL_MODEL/);
  const ready = await (await handler.fetch(new Request("http://worker/readyz"), {})).json();
  assert.deepEqual(ready.warnings.map((w: { code: string }) => w.code), ["no_domain_check", "cells_unavailable"]);
  const predict = await handler.fetch(
    new Request("http://worker/v1/predict", { method: "POST", body: (await cellsRequest()).body }),
    {},
  );
  assert.equal(predict.status, 200);
  await predict.body?.cancel();
});
