/**
 * Preprocessing benchmarks: `./node_modules/.bin/deno bench -A model/core/preprocess/preprocess_bench.ts`
 *
 * @module
 */
import type { PreprocessSpec } from "./spec.ts";
import { decodeImage } from "../image/decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import { normalizeToTensor, preprocess, toFloatRgb } from "./preprocess.ts";
import { redCellRadius } from "./ruler.ts";
import { close, fillHoles } from "../cells/morphology.ts";
import { squaredDistance } from "../cells/distance.ts";

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

// scale normalisation: the red-cell ruler on a 224-px working image, its mask steps, and the whole step
const field224 = toFloatRgb(smear, { ...spec, size: 224 });
const rulerMask = Uint8Array.from({ length: 224 * 224 }, (_, p) => (field224.data[p * 3] < 0.7 ? 1 : 0));
const scaled96: PreprocessSpec = {
  ...spec,
  size: 96,
  scale: { redCellRadius: 8, workingSize: 224, zoomRange: [0.8, 1.6] },
};
Deno.bench("redCellRadius 224", { group: "scale", baseline: true }, () => {
  redCellRadius(field224);
});
Deno.bench("close r=1 224", { group: "scale" }, () => {
  close(rulerMask, 224, 224, 1);
});
Deno.bench("fillHoles 224", { group: "scale" }, () => {
  fillHoles(rulerMask.slice(), 224, 224);
});
Deno.bench("squaredDistance 224", { group: "scale" }, () => {
  squaredDistance(rulerMask, 224, 224);
});
Deno.bench("toFloatRgb 224→96 with scale normalisation", { group: "scale" }, () => {
  toFloatRgb(smear, scaled96);
});
