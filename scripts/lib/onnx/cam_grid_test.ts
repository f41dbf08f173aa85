import assert from "node:assert/strict";
import { camGrid } from "./cam_grid.ts";
import { decodeModel, DType, encodeModel, node, tensor, valueInfo } from "./proto.ts";
import { padding2d } from "./padding.ts";

/** A graph: input [N, 3, h, w] → 3×3 stride-2 "same" conv (TensorFlow's pads) → Relu → 1×1 conv "cam". */
function strideTwo(h: number, w: number) {
  const { pads } = padding2d([h, w], [3, 3], [2, 2], [1, 1], "same");
  const graph = {
    name: "g",
    node: [
      node("Conv", ["x", "w1"], ["c1"], "c1", { kernel_shape: [3, 3], strides: [2, 2], pads }),
      node("Relu", ["c1"], ["r1"], "r1"),
      node("Conv", ["r1", "w2"], ["cam"], "cam"), // kernel from the weight's dims
    ],
    initializer: [tensor("w1", [4, 3, 3, 3], new Float32Array(108)), tensor("w2", [1, 4, 1, 1], new Float32Array(4))],
    input: [valueInfo("x", DType.FLOAT, ["N", 3, h, w])],
    output: [valueInfo("cam", DType.FLOAT)],
  };
  return decodeModel(encodeModel({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph }));
}

Deno.test("camGrid: TensorFlow's odd pad after shifts cells on even sides only, per axis", () => {
  // height 8 (even: pads 0 before, 1 after → centre of cell 0 at 1.5), width 9 (odd: 1 and 1 → 0.5)
  assert.deepEqual(camGrid(strideTwo(8, 9), "cam"), { origin: [0.5, 1.5], step: [2, 2] });
  // transposed input: the axes swap with it
  assert.deepEqual(camGrid(strideTwo(9, 8), "cam"), { origin: [1.5, 0.5], step: [2, 2] });
});

Deno.test("camGrid: names the op it cannot follow and the output it cannot reach", () => {
  const m = strideTwo(8, 8);
  m.graph.node.splice(1, 0, { ...m.graph.node[1], opType: "Resize", name: "up" });
  m.graph.node[2] = { ...m.graph.node[2], input: ["c1"] };
  assert.throws(() => camGrid(m, "cam"), /cannot follow positions through Resize "up"/);
  assert.throws(() => camGrid(strideTwo(8, 8), "nope"), /no spatial path from the input to output "nope"/);
});

Deno.test("camGrid: a constant Pad moves the grid back by its leading pads, per axis", () => {
  // ZeroPadding2D [[1, 0], [0, 2]] as the exporter writes it: pads input [N, C, H, W] begins, then ends
  const graph = {
    name: "g",
    node: [
      node("Pad", ["x", "p"], ["padded"], "zpad"),
      node("Conv", ["padded", "w"], ["cam"], "cam", { kernel_shape: [3, 3] }),
    ],
    initializer: [
      tensor("p", [8], BigInt64Array.from([0n, 0n, 1n, 0n, 0n, 0n, 0n, 2n])),
      tensor("w", [1, 3, 3, 3], new Float32Array(27)),
    ],
    input: [valueInfo("x", DType.FLOAT, ["N", 3, 8, 8])],
    output: [valueInfo("cam", DType.FLOAT)],
  };
  const m = decodeModel(encodeModel({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph }));
  // x: no leading pad, the 3-wide window centres 1 px in (1.5); y: one row padded above (0.5)
  assert.deepEqual(camGrid(m, "cam"), { origin: [1.5, 0.5], step: [1, 1] });
});
