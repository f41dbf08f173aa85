/**
 * `POST /v1/cells` through the app (no socket) on a 224×224 Taleqani field and a 450×450 C-NMC
 * cell, with the committed cell model (`model/cells-v1.int8.onnx`, one run per cell), and the
 * stages alone: locating + cropping (`extractCells`) and the summary. Issue #16's target: p50 ≤
 * 30 ms for a 224×224 field on this machine.
 *
 *   deno bench -A functions/lib/cells/cells_bench.ts
 *
 * @module
 */
import { createApp } from "../../app.ts";
import { loadConfig } from "../config.ts";
import { decodeImage, loadModelFile } from "../../../model/core/mod.ts";
import { extractCells } from "./extract.ts";
import { summarizeCells } from "../../../model/core/mod.ts";

const tiny = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
const cellModel = await loadModelFile("model/cells-v1.int8.onnx");
const app = createApp({ model: tiny, cells: cellModel, config: loadConfig({}), log: () => {} });
const field = await Deno.readFile("tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg");
const cell = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp");
const post = async (body: Uint8Array<ArrayBuffer>) => {
  const res = await app.request("/v1/cells", { method: "POST", body });
  if (res.status !== 200) throw new Error(`/v1/cells answered ${res.status}`);
  await res.body?.cancel();
};
const decoded = await decodeImage(field);

Deno.bench(
  "/v1/cells: 224×224 Taleqani field (JPEG), cells-v1",
  { group: "route", baseline: true },
  async () => {
    await post(field);
  },
);
Deno.bench("/v1/cells: 450×450 C-NMC cell (BMP), cells-v1", { group: "route" }, async () => {
  await post(cell);
});
Deno.bench("extractCells: locate + crop + resize, 224×224 field", { group: "stages" }, () => {
  extractCells(decoded, cellModel.card.preprocess, { maxCells: 32 });
});
Deno.bench("summarizeCells: 32 decisions", { group: "stages" }, () => {
  summarizeCells(Array.from({ length: 32 }, (_, i) => (i % 7 === 0 ? "review" : "normal")), {
    found: 32,
    maxCells: 32,
  });
});
