import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ensembleModels, reweighEnsemble } from "./ensemble.ts";
import { exportToOnnx } from "./export.ts";
import { maxAbsDiff, tinyCamModel } from "./test_models.ts";
import { type PreprocessSpec, runModel } from "../../../model/core/mod.ts";
import { realImages } from "../../../tests/helpers/onnx_testing.ts";
import { decodeModel } from "./proto.ts";

await tf.setBackend("cpu");
const TOL = 1e-5;

/** Index of the first element where a and b differ by more than TOL, or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= TOL)) return i;
  return -1;
}

Deno.test("an ensemble of two different members: means of logit, subtypes and CAM; features side by side in member order", async () => {
  const a = exportToOnnx(tinyCamModel({ size: 32, seed: 1 })).bytes;
  const b = exportToOnnx(tinyCamModel({ size: 32, seed: 2 })).bytes;
  const { x, dims } = realImages(32);
  const feeds = { image: { dims, data: x } };
  const [ra, rb, re] = [
    await runModel(a, feeds),
    await runModel(b, feeds),
    await runModel(ensembleModels([a, b]), feeds),
  ];
  // the members really differ, so a wrong combination cannot pass
  assert.ok(maxAbsDiff(ra.logit.data, rb.logit.data) > 1e-3);
  for (const name of ["logit", "subtype_logits", "cam"]) {
    assert.deepEqual(re[name].dims, ra[name].dims, name);
    const mean = ra[name].data.map((v, i) => (v + rb[name].data[i]) / 2);
    assert.equal(firstDifference(re[name].data, mean), -1, `${name}: first difference from the members' mean`);
  }
  const n = dims[0], f = ra.features.dims[1];
  assert.deepEqual(re.features.dims, [n, 2 * f]);
  const concat = new Float32Array(n * 2 * f);
  for (let i = 0; i < n; i++) {
    concat.set(ra.features.data.subarray(i * f, (i + 1) * f), i * 2 * f);
    concat.set(rb.features.data.subarray(i * f, (i + 1) * f), i * 2 * f + f);
  }
  assert.equal(firstDifference(re.features.data, concat), -1, "features: first difference from [member 0, member 1]");
  // the declared output shape says the same
  const out = decodeModel(ensembleModels([a, b])).graph.output.find((o) => o.name === "features")!;
  assert.equal(Number(out.type!.tensorType!.shape!.dim![1].dimValue), 2 * f);
});

Deno.test("combine max: the largest calibrated logit per image, and the subtypes and CAM of the member that gave it", async () => {
  const a = exportToOnnx(tinyCamModel({ size: 32, seed: 4 })).bytes;
  const b = exportToOnnx(tinyCamModel({ size: 32, seed: 7 })).bytes;
  const { x, dims } = realImages(32);
  const feeds = { image: { dims, data: x } };
  const c = [0.9, 1]; // each member's 1 / temperature (seeds whose logits cross on these images)
  const [ra, rb, re] = [
    await runModel(a, feeds),
    await runModel(b, feeds),
    await runModel(ensembleModels([{ bytes: a, weight: c[0] }, { bytes: b, weight: c[1] }], { combine: "max" }), feeds),
  ];
  const n = dims[0];
  const decides = Array.from({ length: n }, (_, i) => (c[0] * ra.logit.data[i] >= c[1] * rb.logit.data[i] ? 0 : 1));
  // the real images must exercise both members, or a graph that always picks one would pass
  assert.ok(decides.includes(0) && decides.includes(1), `one member decides every image: ${decides}`);
  const want = (name: string) => {
    const per = ra[name].data.length / n;
    return ra[name].data.map((_, j) => {
      const i = Math.floor(j / per);
      return decides[i] === 0 ? c[0] * ra[name].data[j] : c[1] * rb[name].data[j];
    });
  };
  for (const name of ["logit", "subtype_logits", "cam"]) {
    assert.deepEqual(re[name].dims, ra[name].dims, name);
    assert.equal(
      firstDifference(re[name].data, want(name)),
      -1,
      `${name}: first difference from the deciding member's`,
    );
  }
  // the mean rule on the same members differs
  const mean = await runModel(ensembleModels([{ bytes: a, weight: c[0] }, { bytes: b, weight: c[1] }]), feeds);
  assert.notEqual(firstDifference(mean.logit.data, want("logit")), -1);
});

Deno.test("members that cannot share one input are refused by name", () => {
  const a = exportToOnnx(tinyCamModel({ size: 32, seed: 1 })).bytes;
  const b = exportToOnnx(tinyCamModel({ size: 24, seed: 1 })).bytes;
  assert.throws(() => ensembleModels([a, b]), /member 1's "image" input differs.*share the input size/);
  const c = exportToOnnx(tinyCamModel({ size: 32, seed: 1, subtypes: 0 })).bytes;
  assert.throws(() => ensembleModels([a, c]), /member 1's outputs \(logit,cam,features\) differ/);
});

Deno.test("members on other colour modes read the shared RGB input through their front ends, weighted", async () => {
  const { decodeImage, normalizeToTensor, toFloatRgb } = await import("../../../model/core/mod.ts");
  const { readFile } = await import("node:fs/promises");
  const base: Omit<PreprocessSpec, "normalization" | "colorMode"> = {
    size: 32,
    crop: "none",
    resize: "area",
    channelOrder: "RGB",
    alphaBackground: 0,
    whiteBalance: { brightFraction: 0.02 },
  };
  const shared: PreprocessSpec = {
    ...base,
    colorMode: "rgb",
    normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] },
  };
  const grey: PreprocessSpec = { ...base, colorMode: "grey", normalization: { mode: "per-image", minStd: 0.01 } };
  const chroma: PreprocessSpec = {
    ...base,
    colorMode: "relative-chroma",
    normalization: { mode: "per-image", minStd: 0.01 },
  };
  const a = exportToOnnx(tinyCamModel({ size: 32, seed: 1 })).bytes;
  const b = exportToOnnx(tinyCamModel({ size: 32, seed: 2 })).bytes;
  const merged = ensembleModels([{ bytes: a, weight: 0.25, front: grey }, { bytes: b, weight: 0.75, front: chroma }]);
  const files = ["taleqani_Benign_WBC-Benign-001.jpg", "taleqani_Early_WBC-Malignant-Early-001.jpg"];
  const imgs = await Promise.all(
    files.map(async (f) => toFloatRgb(await decodeImage(await readFile(`tests/fixtures/images/${f}`)), shared)),
  );
  const tensorOf = (spec: PreprocessSpec) => {
    const data = new Float32Array(imgs.length * 3 * 32 * 32);
    imgs.forEach((im, i) => normalizeToTensor(im, spec, "NCHW", data, i * 3 * 32 * 32));
    return { dims: [imgs.length, 3, 32, 32], data };
  };
  const ra = await runModel(a, { image: tensorOf(grey) }), rb = await runModel(b, { image: tensorOf(chroma) });
  const re = await runModel(merged, { image: tensorOf(shared) });
  for (const name of ["logit", "subtype_logits", "cam"]) {
    const want = ra[name].data.map((v, i) => 0.25 * v + 0.75 * rb[name].data[i]);
    const at = want.findIndex((v, i) => !(Math.abs(v - re[name].data[i]) < 1e-4));
    assert.equal(at, -1, `${name}: first difference at ${at}: ${re[name].data[at]} vs ${want[at]}`);
  }
  // the wrong weighting (plain mean) would not pass
  assert.ok(Math.abs(re.logit.data[0] - (ra.logit.data[0] + rb.logit.data[0]) / 2) > 1e-4);
});

Deno.test("reweighEnsemble: the same members, every mean output weighted by the new coefficients, features untouched", async () => {
  const a = exportToOnnx(tinyCamModel({ size: 32, seed: 1 })).bytes;
  const b = exportToOnnx(tinyCamModel({ size: 32, seed: 2 })).bytes;
  const { x, dims } = realImages(32);
  const feeds = { image: { dims, data: x } };
  const merged = ensembleModels([a, b]);
  const [ra, rb, re, rm] = [
    await runModel(a, feeds),
    await runModel(b, feeds),
    await runModel(reweighEnsemble(merged, [0.3, 1.7]), feeds),
    await runModel(merged, feeds),
  ];
  for (const name of ["logit", "subtype_logits", "cam"]) {
    const want = ra[name].data.map((v, i) => 0.3 * v + 1.7 * rb[name].data[i]);
    assert.equal(firstDifference(re[name].data, want), -1, `${name}: first difference from 0.3 · a + 1.7 · b`);
  }
  assert.equal(firstDifference(re.features.data, rm.features.data), -1, "features are not weighted");
});
