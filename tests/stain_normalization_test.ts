/**
 * Stain normalisation (model/core/preprocess/stain.ts) on real fixture fields: stain strength and
 * an affine change of the stain's optical density are what it removes; what it cannot read it
 * leaves alone. Shifts here are written out in the test (Beer–Lambert), not taken from the
 * normaliser.
 */
import assert from "node:assert/strict";
import {
  decodeImage,
  type FloatRgbImage,
  normalizeStains,
  normalizeToTensor,
  type PreprocessSpec,
  stainEstimate,
  type StainNormalization,
  toFloatRgb,
  whiteBalance,
} from "../model/core/mod.ts";
import { preprocessSpecProblem } from "../model/core/card/card.ts";
import { frontEndProblem } from "../scripts/lib/onnx/front_end.ts";

const BENIGN = "tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg";
const EARLY = "tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg";
const CNMC = "tests/fixtures/images/cnmc_hem_UID_H10_100_1_hem.png";
const base: PreprocessSpec = {
  size: 96,
  crop: "none",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  whiteBalance: { brightFraction: 0.02 },
  normalization: { mode: "per-image", minStd: 0.01 },
};
/** A reference of the kind the trainer fits (rounded from a fit on Taleqani training fields). */
const REFERENCE: StainNormalization = {
  method: "macenko",
  stains: [[0.7926, 0.3814, 0.4758], [0.4645, 0.8856, 0.0066]],
  maxConcentrations: [0.4445, 0.816],
};
const stained: PreprocessSpec = { ...base, stainNormalization: REFERENCE };

async function field(path: string): Promise<FloatRgbImage> {
  const img = toFloatRgb(await decodeImage(await Deno.readFile(path)), base);
  return whiteBalance(img, base.whiteBalance!);
}

/** Every pixel's optical density (against white) times `k`: a stronger (k > 1) or paler stain. */
function stainStrength(img: FloatRgbImage, k: number): FloatRgbImage {
  return { ...img, data: img.data.map((v) => Math.exp(k * Math.log(Math.max(v, 1 / 255)))) };
}

/** A per-channel optical-density gain: another stain lot absorbing red more and blue less. */
function stainHue(img: FloatRgbImage): FloatRgbImage {
  const g = [1.4, 1, 0.7];
  return { ...img, data: img.data.map((v, i) => Math.exp(g[i % 3] * Math.log(Math.max(v, 1 / 255)))) };
}

function meanAbs(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

Deno.test("stain estimate: a real field has a nuclear stain (more red OD) and a counterstain", async () => {
  for (const path of [BENIGN, EARLY]) {
    const est = stainEstimate(await field(path));
    assert.ok(est, `${path}: no estimate`);
    const [nuclear, counter] = est.stains;
    assert.ok(nuclear[0] > counter[0], `${path}: nuclear red OD ${nuclear[0]} ≤ counterstain's ${counter[0]}`);
    for (const v of est.stains) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-6 && v.every((x) => x >= 0));
    assert.ok(est.stained > 0.05 * 96 * 96 && est.stained < 96 * 96, `${path}: ${est.stained} stained pixels`);
  }
});

Deno.test("stain normalisation: a paler or stronger stain comes out nearly as the original, another stain lot closer", async () => {
  for (const path of [BENIGN, EARLY]) {
    const img = await field(path);
    const ref = normalizeStains(img, REFERENCE);
    // [shift, the share of the change that may remain]: strength is what Macenko cancels; a change
    // of the stains' colour it only reduces (the stain directions are re-estimated as extremes)
    for (
      const [name, shifted, keep] of [
        ["OD × 0.8", stainStrength(img, 0.8), 0.35],
        ["OD × 1.25", stainStrength(img, 1.25), 0.35],
        ["channel OD gains 1.4, 1, 0.7", stainHue(img), 0.9],
      ] as const
    ) {
      const before = meanAbs(img.data, shifted.data);
      const after = meanAbs(ref.data, normalizeStains(shifted, REFERENCE).data);
      assert.ok(before > 0.008, `${path} ${name}: the shift itself is too small to judge (${before})`);
      assert.ok(
        after < keep * before,
        `${path} ${name}: mean |Δ| ${after.toFixed(4)} after normalisation, ${
          before.toFixed(4)
        } before (at most ${keep} of it)`,
      );
    }
  }
});

Deno.test("stain normalisation: two different fields are redrawn with the same stains", async () => {
  const [a, b] = [await field(BENIGN), await field(EARLY)];
  const [na, nb] = [normalizeStains(a, REFERENCE), normalizeStains(b, REFERENCE)];
  for (const img of [na, nb]) {
    const est = stainEstimate(img)!;
    REFERENCE.stains.forEach((r, k) => {
      const cos = r[0] * est.stains[k][0] + r[1] * est.stains[k][1] + r[2] * est.stains[k][2];
      assert.ok(cos > 0.97, `stain ${k} after normalisation: cos ${cos.toFixed(3)} to the reference`);
    });
  }
});

Deno.test("stain normalisation: what it cannot read is passed on unchanged", async () => {
  const flat: FloatRgbImage = { width: 8, height: 8, data: new Float32Array(192).fill(0.7) };
  assert.equal(normalizeStains(flat, REFERENCE), flat);
  const black: FloatRgbImage = { width: 8, height: 8, data: new Float32Array(192) };
  assert.equal(normalizeStains(black, REFERENCE), black);
  // one stain only: purple discs of one hue on white
  const one: FloatRgbImage = { width: 32, height: 32, data: new Float32Array(32 * 32 * 3).fill(1) };
  for (let p = 0; p < 32 * 32; p += 3) one.data.set([0.5, 0.3, 0.6].map((v) => v ** (0.5 + (p % 7) / 7)), p * 3);
  assert.equal(stainEstimate(one), undefined);
  assert.equal(normalizeStains(one, REFERENCE), one);
  // a C-NMC cell on black: read against its own brightest pixels, meaningless but in range (the
  // domain check is what flags such an image)
  const cnmc = normalizeStains(toFloatRgb(await decodeImage(await Deno.readFile(CNMC)), base), REFERENCE);
  assert.ok(cnmc.data.every((v) => v >= 0 && v <= 1));
});

Deno.test("normalizeToTensor: stain normalisation runs after the white balance and changes the tensor", async () => {
  const raw = toFloatRgb(await decodeImage(await Deno.readFile(EARLY)), base);
  const plain = normalizeToTensor(raw, base, "NCHW");
  const withStain = normalizeToTensor(raw, stained, "NCHW");
  const byHand = normalizeToTensor(
    normalizeStains(whiteBalance(raw, base.whiteBalance!), REFERENCE),
    { ...base, whiteBalance: undefined },
    "NCHW",
  );
  assert.deepEqual(withStain, byHand);
  assert.ok(meanAbs(plain, withStain) > 0.05, "stain normalisation left the tensor as it was");
});

Deno.test("card and ensemble checks: a stain reference is validated and must be shared", () => {
  assert.equal(preprocessSpecProblem(stained), undefined);
  const bad = (s: unknown) => preprocessSpecProblem({ ...base, stainNormalization: s });
  assert.match(bad({ ...REFERENCE, method: "reinhard" })!, /method/);
  assert.match(bad({ ...REFERENCE, stains: [[1, 0, 0]] })!, /stains/);
  assert.match(bad({ ...REFERENCE, stains: [[0.5, 0.5, 0.5], [0, 1, 0]] })!, /stains/); // not unit length
  assert.match(bad({ ...REFERENCE, stains: [[-1, 0, 0], [0, 1, 0]] })!, /stains/);
  assert.match(bad({ ...REFERENCE, maxConcentrations: [0, 1] })!, /maxConcentrations/);
  const shared: PreprocessSpec = { ...stained, normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] } };
  assert.equal(frontEndProblem({ ...stained, colorMode: "grey" }, shared), undefined);
  assert.match(frontEndProblem({ ...base, colorMode: "grey" }, shared)!, /stain normalisation differs/);
});
