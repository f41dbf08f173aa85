import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  decodeImage,
  type FloatRgbImage,
  normalizeToTensor,
  type PreprocessSpec,
  toFloatRgb,
} from "../../../../model/core/mod.ts";
import { maxAbsDiff } from "../../../../tests/helpers/diff.ts";
import { normalizeBatch } from "./normalize_ops.ts";

await tf.setBackend("cpu");

const SIZE = 96;
const BASE = { size: SIZE, crop: "center-square", resize: "area", channelOrder: "RGB", alphaBackground: 0 } as const;
const FIXTURES = [
  "taleqani_Benign_WBC-Benign-001.jpg",
  "taleqani_Early_WBC-Malignant-Early-001.jpg",
  "cnmc_hem_UID_H10_100_1_hem.png",
];
/** Tolerance on |got − want|, relative to the image's output scale max(1, max |want|). */
const TOL = 1e-4;

/** Every spec the test compares: white balance off/on × colour mode × normalisation. */
function specs(): { name: string; spec: PreprocessSpec }[] {
  const out: { name: string; spec: PreprocessSpec }[] = [];
  for (const whiteBalance of [undefined, { brightFraction: 0.02 }]) {
    for (const colorMode of ["rgb", "grey", "relative-chroma"] as const) {
      for (
        const normalization of [
          { mode: "per-image", minStd: 0.01 },
          { mode: "fixed", mean: [0.6, 0.5, 0.7], std: [0.2, 0.25, 0.15] },
        ] as PreprocessSpec["normalization"][]
      ) {
        out.push({
          name: `wb=${whiteBalance ? whiteBalance.brightFraction : "off"} ${colorMode} ${normalization.mode}`,
          spec: { ...BASE, whiteBalance, colorMode, normalization },
        });
      }
    }
  }
  return out;
}

function image(fill: (x: number, y: number) => [number, number, number]): FloatRgbImage {
  const data = new Float32Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) data.set(fill(x, y), (y * SIZE + x) * 3);
  }
  return { width: SIZE, height: SIZE, data };
}

/**
 * Asymmetric (its transpose differs) with many hues, black and grey blocks, blocks whose channel
 * maximum is tied (R = G, G = B, R = B), and two bright blocks with one colour each: 120 pixels
 * above 100 at a lower luma bin, so with brightFraction 0.02 (185 pixels wanted) the cut falls
 * inside the second block and all its 100 tied pixels count.
 */
function synthetic(): FloatRgbImage {
  return image((x, y) => {
    if (y < 2 && x < 60) return [0.96, 0.94, 0.91];
    if (y >= 2 && y < 4 && x < 50) return [0.93, 0.92, 0.9];
    if (y >= 10 && y < 20 && x >= 70 && x < 90) return [0, 0, 0];
    if (y >= 30 && y < 35 && x >= 5 && x < 25) return [0.3, 0.3, 0.3];
    if (y >= 30 && y < 35 && x >= 40 && x < 48) return [0.6, 0.6, 0.6];
    if (y >= 40 && y < 45 && x >= 50 && x < 60) return [0.7, 0.7, 0.2];
    if (y >= 50 && y < 53 && x >= 10 && x < 30) return [0.2, 0.7, 0.7];
    if (y >= 60 && y < 70 && x >= 80 && x < 84) return [0.7, 0.2, 0.7];
    if (y >= 75 && y < 80 && x >= 20 && x < 40) return [0.8, 0.3, 0.3]; // pure-ish hues too
    return [(x + 0.5) / SIZE * 0.8 + 0.1, (y + 0.5) / SIZE * 0.7 + 0.15, ((x * 7 + y * 3) % 50) / 50 * 0.6 + 0.2];
  });
}

/** All black: white point 0, every channel's std 0, no chroma. */
const black = (): FloatRgbImage => image(() => [0, 0, 0]);
/** No blue anywhere: the white point's blue is 0, so white balance leaves it as is (per image). */
const noBlue = (): FloatRgbImage => image((x, y) => [(x + 0.5) / SIZE, (y + 0.5) / SIZE * 0.9, 0]);

async function batchImages(): Promise<{ name: string; img: FloatRgbImage }[]> {
  const spec = { ...BASE, normalization: { mode: "per-image", minStd: 0.01 } } as PreprocessSpec;
  const real = [];
  for (const file of FIXTURES) {
    const decoded = await decodeImage(await Deno.readFile(`tests/fixtures/images/${file}`));
    real.push({ name: file, img: toFloatRgb(decoded, spec) });
  }
  return [...real, { name: "synthetic", img: synthetic() }, { name: "black", img: black() }, {
    name: "no-blue",
    img: noBlue(),
  }];
}

function stack(imgs: FloatRgbImage[]): tf.Tensor4D {
  const data = new Float32Array(imgs.length * SIZE * SIZE * 3);
  imgs.forEach((img, i) => data.set(img.data, i * SIZE * SIZE * 3));
  return tf.tensor4d(data, [imgs.length, SIZE, SIZE, 3]);
}

/** Undefined when within tolerance, else where and by how much the first value differs. */
function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): string | undefined {
  assert.equal(got.length, want.length);
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * scale)) {
      const p = Math.floor(i / 3);
      return `index ${i} (y ${Math.floor(p / SIZE)}, x ${p % SIZE}, channel ${i % 3}): got ${got[i]}, want ${
        want[i]
      } (scale ${scale.toFixed(3)})`;
    }
  }
  return undefined;
}

Deno.test("normalizeBatch equals normalizeToTensor NHWC per image, on real fixtures and edge cases, every mode", async () => {
  const images = await batchImages();
  const x = stack(images.map((i) => i.img));
  const per = SIZE * SIZE * 3;
  const report: string[] = [];
  for (const { name, spec } of specs()) {
    const y = normalizeBatch(x, spec);
    assert.deepEqual(y.shape, x.shape);
    const got = y.dataSync();
    y.dispose();
    let worst = 0, worstRel = 0;
    images.forEach(({ name: imgName, img }, i) => {
      const want = normalizeToTensor(img, spec, "NHWC");
      const mine = got.subarray(i * per, (i + 1) * per);
      const problem = firstDifference(mine, want, TOL);
      assert.equal(problem, undefined, `${name}, ${imgName}: ${problem}`);
      const d = maxAbsDiff(mine, want);
      worst = Math.max(worst, d);
      worstRel = Math.max(worstRel, d / Math.max(1, ...Array.from(want, Math.abs)));
    });
    report.push(`${name.padEnd(36)} max |Δ| ${worst.toExponential(2)}  relative ${worstRel.toExponential(2)}`);
  }
  x.dispose();
  console.log(report.join("\n"));
});

Deno.test("normalizeBatch: the white point is per image (a black or blue-less image beside others is left as is)", () => {
  const spec: PreprocessSpec = {
    ...BASE,
    whiteBalance: { brightFraction: 0.02 },
    normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] },
  };
  const imgs = [synthetic(), black(), noBlue()];
  const x = stack(imgs);
  const y = normalizeBatch(x, spec);
  const got = y.dataSync(), per = SIZE * SIZE * 3;
  assert.ok(maxAbsDiff(got.subarray(0, per), imgs[0].data) > 0.01, "the synthetic image is balanced");
  assert.equal(maxAbsDiff(got.subarray(per, 2 * per), imgs[1].data), 0);
  assert.equal(maxAbsDiff(got.subarray(2 * per), imgs[2].data), 0);
  tf.dispose([x, y]);
});

Deno.test("normalizeBatch: a transposed image gives the transposed output", () => {
  const img = synthetic();
  const one = stack([img]);
  const x = tf.concat([one, tf.transpose(one, [0, 2, 1, 3])]);
  const per = SIZE * SIZE * 3;
  for (const { name, spec } of specs()) {
    const y = normalizeBatch(x, spec);
    const [a, b] = tf.split(y, 2);
    const bt = tf.transpose(b, [0, 2, 1, 3]);
    const av = a.dataSync(), btv = bt.dataSync(), bv = b.dataSync();
    const problem = firstDifference(btv, av, 1e-5);
    assert.equal(problem, undefined, `${name}: ${problem}`);
    assert.ok(maxAbsDiff(bv, av) > 0.1, `${name}: the fixture must be asymmetric`);
    assert.equal(av.length, per);
    tf.dispose([y, a, b, bt]);
  }
  tf.dispose([one, x]);
});

Deno.test("normalizeBatch keeps its input and leaves only its output behind", () => {
  const x = stack([synthetic(), black()]);
  const before = Array.from(x.dataSync());
  for (const { name, spec } of specs()) {
    const count = tf.memory().numTensors;
    const y = normalizeBatch(x, spec);
    assert.equal(tf.memory().numTensors, count + 1, name);
    assert.equal(x.isDisposed, false, name);
    y.dispose();
  }
  assert.deepEqual(Array.from(x.dataSync()), before);
  x.dispose();
});

Deno.test("normalizeBatch refuses a batch without 3 channels and a brightFraction out of range", () => {
  const spec: PreprocessSpec = { ...BASE, normalization: { mode: "per-image", minStd: 0.01 } };
  const grey = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
  assert.throws(() => normalizeBatch(grey, spec), /\[B, H, W, 3\]/);
  const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  assert.throws(() => normalizeBatch(x, { ...spec, whiteBalance: { brightFraction: 0.9 } }), /brightFraction/);
  tf.dispose([grey, x]);
});
