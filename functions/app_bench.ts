/**
 * `deno task bench`: the whole request through the app (`app.request`, no network) and
 * inference alone, with the tiny fixture model (or MODEL, if set, e.g. `model/all-v6.1.int8.onnx`)
 * on a real 450×450 BMP.
 */
import { createApp } from "./app.ts";
import { loadConfig } from "./lib/config.ts";
import { loadModelFile } from "../model/core/mod.ts";
import { decodeImage } from "../model/core/mod.ts";
import { preprocess } from "../model/core/mod.ts";

const root = new URL("../", import.meta.url);
const modelPath = Deno.env.get("MODEL") ?? new URL("tests/fixtures/models/tiny.int8.onnx", root).pathname;
const runtime = await loadModelFile(modelPath);
const app = createApp({ model: runtime, config: loadConfig({}), log: () => {} });
const bmp = await Deno.readFile(new URL("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp", root));
const jpg = await Deno.readFile(new URL("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg", root));
const tensor = preprocess(await decodeImage(bmp), runtime.card.preprocess, "NCHW");
const post = (body: Uint8Array<ArrayBuffer>, type: string) => ({
  method: "POST",
  body,
  headers: { "content-type": type },
});

Deno.bench("inference only (session.run)", { group: "model", baseline: true }, async () => {
  await runtime.run(tensor);
});
Deno.bench("inference + CAM output", { group: "model" }, async () => {
  await runtime.run(tensor, { cam: true });
});
Deno.bench("POST /v1/predict 450×450 BMP", { group: "request", baseline: true }, async () => {
  await (await app.request("/v1/predict", post(bmp, "image/bmp"))).arrayBuffer();
});
Deno.bench("POST /v1/predict JPEG", { group: "request" }, async () => {
  await (await app.request("/v1/predict", post(jpg, "image/jpeg"))).arrayBuffer();
});
Deno.bench("POST /v1/explain 450×450 BMP (heatmap PNG)", { group: "request" }, async () => {
  await (await app.request("/v1/explain", post(bmp, "image/bmp"))).arrayBuffer();
});
