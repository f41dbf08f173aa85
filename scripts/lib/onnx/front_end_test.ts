import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  decodeImage,
  type FloatRgbImage,
  normalizeToTensor,
  type PreprocessSpec,
  runModel,
  toFloatRgb,
} from "../../../model/core/mod.ts";
import { frontEnd, frontEndProblem } from "./front_end.ts";
import { DType, encodeModel, valueInfo } from "./proto.ts";

const SIZE = 24;
const base = {
  size: SIZE,
  crop: "none",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  whiteBalance: { brightFraction: 0.02 },
} as const;
const shared: PreprocessSpec = {
  ...base,
  colorMode: "rgb",
  normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] },
};
const member = (colorMode: "rgb" | "grey" | "relative-chroma"): PreprocessSpec => ({
  ...base,
  colorMode,
  normalization: { mode: "per-image", minStd: 0.01 },
});

/** Runs one front end alone on NCHW images. */
async function runFrontEnd(spec: PreprocessSpec, x: Float32Array, n: number): Promise<Float32Array> {
  const fe = frontEnd(spec, "image", "m0/");
  const bytes = encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "front_end",
      node: fe.nodes,
      initializer: fe.initializers,
      input: [valueInfo("image", DType.FLOAT, ["N", 3, SIZE, SIZE])],
      output: [valueInfo(fe.output, DType.FLOAT, ["N", 3, SIZE, SIZE])],
    },
  });
  return (await runModel(bytes, { image: { dims: [n, 3, SIZE, SIZE], data: x } }))[fe.output].data as Float32Array;
}

/** Real fields and cells, a grey image (no hue at all) and a saturated asymmetric gradient with ties. */
async function images(): Promise<FloatRgbImage[]> {
  const files = [
    "taleqani_Benign_WBC-Benign-001.jpg",
    "taleqani_Early_WBC-Malignant-Early-001.jpg",
    "cnmc_all_UID_35_6_2_all.png",
  ];
  const out: FloatRgbImage[] = [];
  for (const f of files) out.push(toFloatRgb(await decodeImage(await readFile(`tests/fixtures/images/${f}`)), shared));
  const grey = new Float32Array(SIZE * SIZE * 3).map((_, i) => 0.2 + 0.6 * (Math.floor(i / 3) % SIZE) / SIZE);
  const ramp = new Float32Array(SIZE * SIZE * 3).map((_, i) => {
    const p = Math.floor(i / 3), c = i % 3, x = p % SIZE, y = Math.floor(p / SIZE);
    return c === 0 ? x / SIZE : c === 1 ? (x < 8 ? x / SIZE : y / SIZE) : 0.5; // r = g on part of the image
  });
  out.push({ width: SIZE, height: SIZE, data: grey }, { width: SIZE, height: SIZE, data: ramp });
  return out;
}

for (const color of ["grey", "relative-chroma", "rgb"] as const) {
  Deno.test(`the in-graph ${color} front end gives what the service's TypeScript gives that member`, async () => {
    const imgs = await images();
    const per = 3 * SIZE * SIZE;
    const x = new Float32Array(imgs.length * per), want = new Float32Array(imgs.length * per);
    imgs.forEach((im, i) => {
      normalizeToTensor(im, shared, "NCHW", x, i * per);
      normalizeToTensor(im, member(color), "NCHW", want, i * per);
    });
    const got = await runFrontEnd(member(color), x, imgs.length);
    let worst = 0, at = -1;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      if (!(d <= worst)) [worst, at] = [d, i];
    }
    // float32 against the TypeScript's float64 moments; a constant channel (the ramp's blue) is
    // divided by minStd = 0.01, which turns a one-ulp difference in its mean into 3e-4
    assert.ok(
      worst < 1e-3,
      `largest difference ${worst} at ${at} (image ${Math.floor(at / per)}): ${got[at]} vs ${want[at]}`,
    );
    // not trivially equal: the images differ from their shared input and from each other
    assert.ok(want.some((v, i) => Math.abs(v - x[i]) > 0.1));
  });
}

Deno.test("frontEndProblem: a member that cannot read the shared input, by name", () => {
  assert.equal(frontEndProblem(member("relative-chroma"), shared), undefined);
  assert.match(frontEndProblem({ ...member("grey"), whiteBalance: undefined }, shared)!, /white balance differs/);
  assert.match(frontEndProblem(member("grey"), member("grey"))!, /must be unnormalised RGB/);
  assert.match(frontEndProblem({ ...member("grey"), crop: "center-square" }, shared)!, /crop differs/);
});
