import assert from "node:assert/strict";
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import type { RgbaImage } from "../../../model/core/mod.ts";
import { selectCells } from "./grid.ts";
import { type FloatScorer, scoreGrid } from "./score.ts";

const spec: PreprocessSpec = {
  size: 4,
  crop: "none",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] },
};
const solid = (r: number, g: number, b: number): RgbaImage => {
  const data = new Uint8Array(8 * 8 * 4);
  for (let i = 0; i < 64; i++) data.set([r, g, b, 255], i * 4);
  return { width: 8, height: 8, data };
};

Deno.test("scoreGrid shifts each image once per cell and feeds every scorer in batches", async () => {
  const calls: number[] = [];
  const meanRed: FloatScorer = (imgs) => {
    calls.push(imgs.length);
    return imgs.map((im) => {
      assert.deepEqual([im.width, im.height], [4, 4]); // resized with the spec first
      let s = 0;
      for (let i = 0; i < im.data.length; i += 3) s += im.data[i];
      return s / (im.data.length / 3);
    });
  };
  const grey: FloatScorer = (imgs) => imgs.map(() => 0.5);
  const cells = selectCells(["identity", "brightness×0.9", "jpeg q50"]);
  const images = [solid(200, 100, 50), solid(100, 100, 100), solid(0, 0, 0)];
  const out = await scoreGrid(images, cells, spec, { red: meanRed, grey }, { batchSize: 2 });
  assert.deepEqual(Object.keys(out), ["red", "grey"]);
  assert.deepEqual(out.red.map((c) => c.cell.name), ["identity", "brightness×0.9", "jpeg q50"]);
  const [id, dark, jpeg] = out.red.map((c) => c.scores);
  assert.ok(Math.abs(id[0] - 200 / 255) < 1e-6);
  assert.ok(Math.abs(dark[0] - 0.9 * 200 / 255) < 1e-6);
  assert.ok(Math.abs(jpeg[0] - 200 / 255) < 4 / 255); // flat colour survives JPEG almost unchanged
  assert.deepEqual(out.grey[2].scores, [0.5, 0.5, 0.5]);
  assert.deepEqual(calls, [2, 1, 2, 1, 2, 1]);
});
