/**
 * Why benign fields showed a red strip: the committed model's class-activation map carries a
 * positional excess in the column and row next to its right and bottom edges. It comes from the
 * network, not from the image: the exported convolutions use TensorFlow's "same" padding, which
 * at stride 2 on an even size pads one extra row/column at the bottom/right only (four times, 96 →
 * 6), and per-image normalisation makes that zero padding look like a dark edge there. The page's
 * legend says so and mutes the map for `normal` and out-of-domain answers; this test keeps the
 * legend honest (it fails once a model without the excess is committed, e.g. one trained with
 * symmetric padding: then the legend's sentence can go).
 */
import assert from "node:assert/strict";
import { decodeImage, DEFAULT_MODEL, loadModelFile, normalizeToTensor, toFloatRgb } from "../../../model/core/mod.ts";

const root = new URL("../../../", import.meta.url);
const BENIGN = new URL("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg", root);

/** `t` (NCHW, one image, square) mirrored left–right and/or top–bottom. */
function mirror(t: Float32Array, size: number, h: boolean, v: boolean): Float32Array {
  const out = new Float32Array(t.length);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        out[(c * size + y) * size + x] = t[(c * size + (v ? size - 1 - y : y)) * size + (h ? size - 1 - x : x)];
      }
    }
  }
  return out;
}

Deno.test("committed model: on a benign field the CAM's hot column and row sit at fixed network positions (padding), not on the content", async () => {
  const runtime = await loadModelFile(new URL(DEFAULT_MODEL, root).pathname);
  try {
    const spec = runtime.card.preprocess;
    const tensor = normalizeToTensor(toFloatRgb(await decodeImage(await Deno.readFile(BENIGN)), spec), spec, "NCHW");
    const plain = await runtime.run(tensor, { cam: true });
    assert.ok(plain.logit < 0, "the field is answered normal");
    const { width: w, height: h } = plain.cam!;
    assert.deepEqual([w, h], [6, 6]);
    // The CAM in the network's frame, averaged over the field and its three mirror images: the
    // content is then spread symmetrically, so what still differs between mirror positions is
    // the network's own. (Cell j's centre is at 16j + 15.5 px of 96, so column 4 (79.5) mirrors
    // column 0 (15.5 → 80.5).)
    const mean = new Float64Array(w * h);
    for (const [mh, mv] of [[false, false], [true, false], [false, true], [true, true]]) {
      const { cam } = await runtime.run(mirror(tensor, spec.size, mh, mv), { cam: true });
      cam!.data.forEach((v, i) => mean[i] += v / 4);
    }
    const column = (x: number) => Array.from({ length: h }, (_, y) => mean[y * w + x]).reduce((a, b) => a + b) / h;
    const row = (y: number) => Array.from({ length: w }, (_, x) => mean[y * w + x]).reduce((a, b) => a + b) / w;
    const columns = Array.from({ length: w }, (_, x) => column(x));
    const rows = Array.from({ length: h }, (_, y) => row(y));
    // column 4 and row 4 are the hottest by a wide margin, their mirror positions are not:
    for (const [name, means] of [["column", columns], ["row", rows]] as const) {
      const others = means.filter((_, i) => i !== 4);
      assert.ok(
        means[4] - Math.max(...others) > 2,
        `${name} 4 (${means[4].toFixed(2)}) exceeds every other ${name} (${others.map((v) => v.toFixed(2))}) by > 2`,
      );
      assert.ok(
        means[4] - means[0] > 2,
        `${name} 4 vs its mirror ${name} 0: ${means[4].toFixed(2)} vs ${means[0].toFixed(2)}`,
      );
    }
    // and it is what the reviewer saw: in the plain map the column-4 band outranks the rest
    const cam = plain.cam!.data;
    const band = Array.from({ length: h }, (_, y) => cam[y * w + 4]).reduce((a, b) => a + b) / h;
    const rest = Array.from(cam).filter((_, i) => i % w !== 4).reduce((a, b) => a + b) / (w * h - h);
    assert.ok(band - rest > 3, `column 4 mean ${band.toFixed(2)} vs the rest ${rest.toFixed(2)}`);
  } finally {
    runtime.close();
  }
});
