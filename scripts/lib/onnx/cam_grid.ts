/**
 * Where the cells of a model's class-activation map (`cam` output) lie on its input, read from the
 * ONNX graph itself: every window op (Conv, MaxPool, AveragePool) moves and stretches the grid by
 * its kernel, stride, dilation and leading pad. TensorFlow's "same" padding on an even input puts
 * the odd pad after (bottom/right) only, so after four stride-2 layers cell j of a 96-px model
 * sits at 16·j + 15.5 px, not at the evenly spaced 16·j + 8 a plain resize assumes: 7.5 px (8% of
 * the image) up and to the left. The card records the grid (`io.camGrid`) so the service's
 * heatmap puts each cell where its evidence came from.
 *
 * @module
 */
import type { CamGrid } from "../../../model/core/mod.ts";
import { type DecodedModel, type DecodedNode, tensorData, toNumber } from "./proto.ts";

/** Grid of one tensor along x and y: element k's centre at `origin + step·k` input pixels. */
interface AxisGrid {
  origin: [number, number];
  step: [number, number];
}

/** Ops that keep each element where it is (elementwise, normalisation, quantisation). */
const IN_PLACE = new Set([
  "Relu",
  "LeakyRelu",
  "Clip",
  "Sigmoid",
  "Tanh",
  "HardSigmoid",
  "HardSwish",
  "PRelu",
  "Elu",
  "BatchNormalization",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Concat",
  "Identity",
  "Dropout",
  "QuantizeLinear",
  "DequantizeLinear",
  "Cast",
]);

/** Ops that slide a window over the spatial axes. */
const WINDOW = new Set(["Conv", "ConvInteger", "MaxPool", "AveragePool"]);

function ints(node: DecodedNode, name: string): number[] | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a?.ints ? a.ints.map((v) => toNumber(v)) : undefined;
}

function kernelOf(node: DecodedNode, model: DecodedModel): [number, number] {
  const k = ints(node, "kernel_shape");
  if (k) return [k[0], k[1]];
  // Conv may leave kernel_shape to the weight's dims [O, I, kh, kw] (possibly behind a DequantizeLinear)
  let weight = node.input[1];
  const producer = model.graph.node.find((n) => n.output.includes(weight));
  if (producer?.opType === "DequantizeLinear") weight = producer.input[0];
  const init = model.graph.initializer.find((t) => t.name === weight);
  const dims = init?.dims?.map((v) => toNumber(v));
  if (!dims || dims.length !== 4) {
    throw new Error(`camGrid: ${node.opType} "${node.name}" has no kernel_shape and no 4-D weight to read it from`);
  }
  return [dims[2], dims[3]];
}

function windowGrid(node: DecodedNode, model: DecodedModel, g: AxisGrid): AxisGrid {
  const auto = node.attribute.find((x) => x.name === "auto_pad")?.s;
  const autoPad = auto ? new TextDecoder().decode(auto) : "NOTSET";
  if (autoPad !== "NOTSET" && autoPad !== "VALID") {
    throw new Error(`camGrid: ${node.opType} "${node.name}" uses auto_pad ${autoPad}; export explicit pads`);
  }
  const [kh, kw] = kernelOf(node, model);
  const [sh, sw] = ints(node, "strides") ?? [1, 1];
  const [dh, dw] = ints(node, "dilations") ?? [1, 1];
  const [pt, pl] = ints(node, "pads") ?? [0, 0, 0, 0];
  // output k covers input k·s − pad … k·s − pad + (kernel − 1)·d: its centre, in the input's grid
  return {
    origin: [
      g.origin[0] + g.step[0] * ((kw - 1) * dw / 2 - pl),
      g.origin[1] + g.step[1] * ((kh - 1) * dh / 2 - pt),
    ],
    step: [g.step[0] * sw, g.step[1] * sh],
  };
}

/** A Pad node's leading pads on H and W: from its `pads` input (opset ≥ 11) or attribute. */
function padGrid(node: DecodedNode, model: DecodedModel, g: AxisGrid): AxisGrid {
  let pads = ints(node, "pads");
  if (!pads && node.input[1]) {
    const init = model.graph.initializer.find((t) => t.name === node.input[1]);
    if (init) pads = Array.from(tensorData(init) as BigInt64Array, (v) => Number(v));
  }
  if (!pads || pads.length !== 8) {
    throw new Error(`camGrid: Pad "${node.name}" has no constant 4-D pads to read`);
  }
  // [N, C, H, W] begins then ends: output k is input k − begin
  return { origin: [g.origin[0] - g.step[0] * pads[3], g.origin[1] - g.step[1] * pads[2]], step: g.step };
}

/**
 * The `cam` output's grid on the model input: cell (row i, column j) is centred at
 * x = origin[0] + step[0]·j, y = origin[1] + step[1]·i, in input pixels with pixel k's centre at
 * k + 0.5. Walks from the graph's first input through window ops (explicit pads), constant Pads
 * and ops that keep positions; any other op on the way (a Resize, Reshape…) throws, naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * import { decodeModel } from "./proto.ts";
 * const model = decodeModel(new Uint8Array(await readFile("model/all-v5.int8.onnx")));
 * // 96 px, four stride-2 "same" convs whose odd pad goes after: cells at 15.5, 31.5, … not 8, 24, …
 * assert.deepEqual(camGrid(model, "cam"), { origin: [15.5, 15.5], step: [16, 16] });
 * ```
 */
export function camGrid(model: DecodedModel, camOutput: string): CamGrid {
  const input = model.graph.input.find((i) => !model.graph.initializer.some((t) => t.name === i.name));
  if (!input) throw new Error("camGrid: the graph has no input");
  const grids = new Map<string, AxisGrid>([[input.name, { origin: [0.5, 0.5], step: [1, 1] }]]);
  // nodes are topologically sorted in a valid ONNX graph
  for (const node of model.graph.node) {
    const from = node.input.find((name) => grids.has(name));
    if (from === undefined) continue;
    const g = grids.get(from)!;
    let out: AxisGrid | undefined;
    if (WINDOW.has(node.opType)) out = windowGrid(node, model, g);
    else if (node.opType === "Pad") out = padGrid(node, model, g);
    else if (IN_PLACE.has(node.opType)) out = g;
    else if (node.opType.startsWith("Global") || node.opType === "Flatten" || node.opType === "Gemm") continue;
    else {
      throw new Error(
        `camGrid: cannot follow positions through ${node.opType} "${node.name}"; extend cam_grid.ts for it`,
      );
    }
    for (const o of node.output) grids.set(o, out);
  }
  const cam = grids.get(camOutput);
  if (!cam) throw new Error(`camGrid: no spatial path from the input to output "${camOutput}"`);
  return cam;
}
