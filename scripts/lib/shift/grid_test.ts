import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { decodeImage, normalizeToTensor, type PreprocessSpec, toFloatRgb } from "../../../model/core/mod.ts";
import { applyShiftCell, BEYOND_GRID, selectCells, SHIFT_GRID } from "./grid.ts";

Deno.test("the grid has the identity, each single factor and combined corners", () => {
  assert.equal(SHIFT_GRID[0].kind, "identity");
  const names = SHIFT_GRID.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  for (
    const n of [
      "brightness×0.9",
      "brightness×1.1",
      "saturation×0.7",
      "saturation×1.3",
      "hue-0.05",
      "hue+0.05",
      "jpeg q75",
      "jpeg q50",
    ]
  ) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(SHIFT_GRID.filter((c) => c.kind === "corner").length >= 3);
  assert.deepEqual(selectCells(["jpeg q50"])[0].jpegQuality, 50);
  assert.throws(() => selectCells(["nope"]), /valid: "identity"/);
});

const spec = (colorMode: PreprocessSpec["colorMode"]): PreprocessSpec => ({
  size: 64,
  crop: "none",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  colorMode,
  normalization: { mode: "per-image", minStd: 0.01 },
});
const relChange = (a: Float32Array, b: Float32Array) => {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2, s += a[i] ** 2;
  return Math.sqrt(d / s);
};

Deno.test("relative-chroma input is unchanged by every colour cell of the grid on real cells, rgb is not", async () => {
  for (const name of ["taleqani_Benign_WBC-Benign-001.jpg", "taleqani_Early_WBC-Malignant-Early-001.jpg"]) {
    const img = await decodeImage(await readFile(`tests/fixtures/images/${name}`));
    for (const mode of ["relative-chroma", "rgb"] as const) {
      const s = spec(mode);
      const base = normalizeToTensor(toFloatRgb(img, s), s, "NCHW");
      const changes = [];
      for (const cell of SHIFT_GRID.filter((c) => c.jpegQuality === undefined && c.kind !== "identity")) {
        changes.push(relChange(base, normalizeToTensor(await applyShiftCell(img, cell, s), s, "NCHW")));
      }
      const worst = Math.max(...changes);
      if (mode === "relative-chroma") assert.ok(worst < 0.01, `${name}: ${mode} moved by ${worst}`);
      else assert.ok(worst > 0.05, `${name}: rgb moved only by ${worst}`);
      // ... but shifts beyond the grid do move it: the invariance is not a blank input
      const beyond = await applyShiftCell(img, BEYOND_GRID.find((c) => c.lamp?.stain === 1.25)!, s);
      assert.ok(relChange(base, normalizeToTensor(beyond, s, "NCHW")) > 0.01);
    }
  }
});
