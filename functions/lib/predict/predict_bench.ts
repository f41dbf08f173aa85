/**
 * `deno task bench`: the request's CPU stages outside the model, on the real 450×450 C-NMC BMP
 * at the tiny fixture's input size (or MODEL's, if set): general decode + area resize vs the
 * fused BMP path, and the input hash.
 */
import { decodeImage } from "../../../model/core/mod.ts";
import { imageStats, normalizeToTensor, toFloatRgb } from "../../../model/core/mod.ts";
import { parseModelCard } from "../../../model/core/mod.ts";
import { cardPathFor } from "../../../model/core/mod.ts";
import { sha256Hex } from "../../../model/core/mod.ts";
import { bmpToFloatRgb } from "./bmp_fast.ts";

const root = new URL("../../../", import.meta.url);
const modelPath = Deno.env.get("MODEL") ?? new URL("tests/fixtures/models/tiny.int8.onnx", root).pathname;
const card = parseModelCard(JSON.parse(await Deno.readTextFile(cardPathFor(modelPath))));
const spec = card.preprocess;
const bmp = await Deno.readFile(new URL("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp", root));
const limits = { maxPixels: 4096 * 4096, minSide: 8 };
const resized = toFloatRgb(await decodeImage(bmp), spec);

Deno.bench(`BMP → ${spec.size}² floats: decodeImage + toFloatRgb`, { group: "bmp", baseline: true }, async () => {
  toFloatRgb(await decodeImage(bmp, limits), spec);
});
Deno.bench(`BMP → ${spec.size}² floats: fused bmpToFloatRgb`, { group: "bmp" }, () => {
  bmpToFloatRgb(bmp, spec, limits);
});
Deno.bench("sha256 of the 608 kB upload (WebCrypto)", { group: "other" }, async () => {
  await sha256Hex(bmp);
});
Deno.bench("normalizeToTensor + imageStats", { group: "other" }, () => {
  normalizeToTensor(resized, spec, "NCHW");
  imageStats(resized);
});
