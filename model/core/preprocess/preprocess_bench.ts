/**
 * Preprocessing benchmarks: `./node_modules/.bin/deno bench -A functions/lib/preprocess/preprocess_bench.ts`
 *
 * @module
 */
import type { PreprocessSpec } from "./spec.ts";
import { decodeImage } from "../image/decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import { normalizeToTensor, preprocess, toFloatRgb } from "./preprocess.ts";

const spec: PreprocessSpec = {
  size: 128,
  crop: "none",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  normalization: { mode: "per-image", minStd: 0.02 },
};
const cell = await decodeImage(fixture("cnmc_all_UID_35_6_2_all.png"));
const smear = await decodeImage(fixture("taleqani_Benign_WBC-Benign-001.jpg"));
const small = toFloatRgb(cell, spec);

Deno.bench("toFloatRgb 450→128", { group: "resize" }, () => {
  toFloatRgb(cell, spec);
});
Deno.bench("toFloatRgb 224→128", { group: "resize" }, () => {
  toFloatRgb(smear, spec);
});
Deno.bench("toFloatRgb 224→96", { group: "resize" }, () => {
  toFloatRgb(smear, { ...spec, size: 96 });
});
Deno.bench("normalizeToTensor 128 per-image NCHW", () => {
  normalizeToTensor(small, spec, "NCHW");
});
Deno.bench("preprocess 450→128 NCHW", () => {
  preprocess(cell, spec, "NCHW");
});

const field96 = toFloatRgb(smear, { ...spec, size: 96 });
const wb96: PreprocessSpec = { ...spec, size: 96, whiteBalance: { brightFraction: 0.02 } };
const macenko96: PreprocessSpec = {
  ...wb96,
  stainNormalization: {
    method: "macenko",
    stains: [[0.8109, 0.3224, 0.4883], [0.5325, 0.8465, 0]].map((v) => v.map((x) => x / Math.hypot(...v))) as [
      [number, number, number],
      [number, number, number],
    ],
    maxConcentrations: [0.4678, 0.9586],
  },
};
Deno.bench("normalizeToTensor 96, white balance", { group: "stain" }, () => {
  normalizeToTensor(field96, wb96, "NCHW");
});
Deno.bench("normalizeToTensor 96, white balance + Macenko", { group: "stain" }, () => {
  normalizeToTensor(field96, macenko96, "NCHW");
});
