/**
 * TensorFlow.js LayersModel → ONNX (float32, NCHW).
 *
 * The graph keeps every 4-D tensor in NCHW: the input `image` is `[N, 3, S, S]`, convolution
 * weights are converted HWIO → OIHW, TF "same" padding becomes explicit (possibly asymmetric)
 * pads, BatchNormalization is folded into the convolution/Dense before it when that layer is
 * linear and feeds only the BN, and Flatten of a 4-D tensor first transposes back to NHWC so the
 * flattened order (and the Dense weights after it) match TensorFlow exactly.
 *
 * Outputs: `logit` `[N, 1]` (the layer named "logit"), `subtype_logits` `[N, K]` (layer
 * "subtype_logits", when present) and `cam` `[N, 1, h, w]`: the logit Dense applied as a 1×1 Conv
 * (bias included) to the feature maps that enter the "gap" layer, so `mean_hw(cam) == logit`; and
 * `features` `[N, C]`: the output of the GlobalAveragePooling2D "gap" itself (what the heads read),
 * for the input-domain check's feature distance (`fit_domain.ts --features`).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { ModelIO } from "../../../model/core/mod.ts";
import { batchNormAffine, depthwiseToOihw, foldAffine, hwioToOihw } from "./weights.ts";
import { padding2d } from "./padding.ts";
import { camGrid } from "./cam_grid.ts";
import { type AttrValue, decodeModel, DType, encodeModel, node, tensor, valueInfo } from "./proto.ts";
import type { onnx as OnnxNs } from "onnx-proto";

/** Options of {@link exportToOnnx}. */
export interface ExportOptions {
  /** ONNX opset of the default domain (default 17; 13 or newer). */
  opset?: number;
  /**
   * Add the `cam` output. Default: true when a GlobalAveragePooling2D named "gap" feeds the Dense
   * "logit" (only Dropout-like identity layers between). `true` without such a path throws.
   */
  cam?: boolean;
  /**
   * Add the `features` output (the pooled features, `[N, C]`). Default: true when the model has a
   * GlobalAveragePooling2D named "gap"; `true` without one throws.
   */
  features?: boolean;
  /** `producer_name` written into the model (default "all-screen tfjs2onnx"). */
  producer?: string;
}

/** What {@link exportToOnnx} returns: the `.onnx` bytes and the tensor names for the model card. */
export interface ExportResult {
  bytes: Uint8Array;
  io: ModelIO;
}

/** Names of the graph's input and outputs, fixed by the model card contract. */
export const GRAPH_NAMES = {
  input: "image",
  logit: "logit",
  subtypeLogits: "subtype_logits",
  cam: "cam",
  features: "features",
} as const;

/** A value in the graph: its ONNX name and its shape without the batch axis ([C,H,W] or [F]). */
interface Value {
  name: string;
  shape: number[];
}

/** A Conv/Gemm whose weights may still be rewritten (BatchNormalization folding). */
interface Foldable {
  weight: string;
  bias: string;
  outChannels: number;
}

interface Init {
  dims: number[];
  /** Float weights (mutable until the end: BN folding), or int64 shape-like constants. */
  data: Float32Array | BigInt64Array;
}

type AnyLayer = tf.layers.Layer;
type SymTensor = tf.SymbolicTensor;

/** Layers that are the identity at inference time. */
const IDENTITY_LAYERS = new Set([
  "Dropout",
  "SpatialDropout1D",
  "SpatialDropout2D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
]);

/**
 * Converts a TensorFlow.js LayersModel (NHWC input `[null, H, W, 3]`) to ONNX.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import * as tf from "@tensorflow/tfjs";
 * import { runModel } from "../../../model/core/mod.ts";
 * import { maxAbsDiff, predictNchw, tinyCamModel } from "./test_models.ts";
 * await tf.setBackend("cpu");
 * const model = tinyCamModel({ size: 32, seed: 1 }); // the trainer's model in the pipeline
 * const { bytes, io } = exportToOnnx(model);
 * assert.deepEqual(io, {
 *   input: "image", logit: "logit", subtypeLogits: "subtype_logits", cam: "cam", features: "features",
 *   camGrid: { origin: [2, 2], step: [4, 4] }, // where the cam's 8×8 cells lie on the 32-px input
 * });
 * const x = new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i)); // one NCHW image
 * const out = await runModel(bytes, { [io.input]: { dims: [1, 3, 32, 32], data: x } });
 * assert.ok(maxAbsDiff(out[io.logit].data, predictNchw(model, x, [1, 3, 32, 32]).logit) < 1e-4); // same as tfjs
 * await writeFile(join(await mkdtemp(join(tmpdir(), "export-")), "tiny.float.onnx"), bytes);
 * ```
 */
export function exportToOnnx(model: tf.LayersModel, opts: ExportOptions = {}): ExportResult {
  const opset = opts.opset ?? 17;
  if (opset < 13) throw new Error(`exportToOnnx: opset ${opset} is too old; use 13 or newer (default 17)`);
  const g = new GraphBuilder();

  if (model.inputs.length !== 1) {
    throw new Error(`exportToOnnx: the model has ${model.inputs.length} inputs; expected one image input`);
  }
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || inShape[3] === null || inShape[1] === null || inShape[2] === null) {
    throw new Error(`exportToOnnx: input shape [${inShape}] must be NHWC [null, H, W, C] with fixed H, W, C`);
  }
  const [, h, w, c] = inShape as [null, number, number, number];
  const values = new Map<number, Value>();
  values.set(model.inputs[0].id, { name: GRAPH_NAMES.input, shape: [c, h, w] });

  const layers = model.layers;
  const consumers = countConsumers(layers);
  for (const layer of layers) {
    if (layer.getClassName() === "InputLayer") continue;
    const tfNode = pickNode(layer, values);
    const inputs = tfNode.inputTensors.map((t) => values.get(t.id)!);
    // Folding BN into its producer is only safe when the BN reads the producer's own output and
    // nothing else does (an identity layer between could hide a second consumer).
    const t0 = tfNode.inputTensors[0];
    const soleUse = tfNode.inputTensors.length === 1 && consumers.get(t0.id) === 1 &&
      values.get(t0.id)?.name === t0.sourceLayer.name;
    const out = convertLayer(g, layer, inputs, soleUse);
    if (tfNode.outputTensors.length !== 1) {
      throw new Error(
        `exportToOnnx: layer ${layer.name} has ${tfNode.outputTensors.length} outputs; only single-output layers are supported`,
      );
    }
    values.set(tfNode.outputTensors[0].id, out);
  }

  const io: ModelIO = { input: GRAPH_NAMES.input, logit: GRAPH_NAMES.logit };
  const outputs: OnnxNs.IValueInfoProto[] = [];
  const logitLayer = findLayer(layers, "logit");
  if (!logitLayer) throw new Error(`exportToOnnx: no layer named "logit"; name the binary head's Dense "logit"`);
  const logitVal = outputOf(logitLayer, values);
  assertLinearHead(logitLayer);
  g.output(logitVal.name, GRAPH_NAMES.logit);
  outputs.push(valueInfo(GRAPH_NAMES.logit, DType.FLOAT, ["N", ...logitVal.shape]));
  const subLayer = findLayer(layers, "subtype_logits");
  if (subLayer) {
    assertLinearHead(subLayer);
    const v = outputOf(subLayer, values);
    g.output(v.name, GRAPH_NAMES.subtypeLogits);
    outputs.push(valueInfo(GRAPH_NAMES.subtypeLogits, DType.FLOAT, ["N", ...v.shape]));
    io.subtypeLogits = GRAPH_NAMES.subtypeLogits;
  }
  const camSource = findCamSource(logitLayer);
  if (opts.cam === true && !camSource) {
    throw new Error(
      `exportToOnnx: cam requested but no GlobalAveragePooling2D named "gap" feeds "logit" (Dropout between is fine)`,
    );
  }
  if ((opts.cam ?? true) && camSource) {
    const feat = values.get(pickNode(camSource, values).inputTensors[0].id)!;
    const [kernel, bias] = logitLayer.getWeights().map((t) => t.dataSync() as Float32Array);
    const ch = feat.shape[0];
    g.init("cam.weight", [1, ch, 1, 1], Float32Array.from(kernel));
    g.init("cam.bias", [1], bias ? Float32Array.from(bias) : new Float32Array(1));
    g.add("Conv", [feat.name, "cam.weight", "cam.bias"], [GRAPH_NAMES.cam], { kernel_shape: [1, 1] });
    outputs.push(valueInfo(GRAPH_NAMES.cam, DType.FLOAT, ["N", 1, feat.shape[1], feat.shape[2]]));
    io.cam = GRAPH_NAMES.cam;
  }
  const gapLayer = findLayer(layers, "gap");
  const hasGap = gapLayer?.getClassName() === "GlobalAveragePooling2D";
  if (opts.features === true && !hasGap) {
    throw new Error(`exportToOnnx: features requested but the model has no GlobalAveragePooling2D named "gap"`);
  }
  if ((opts.features ?? true) && hasGap) {
    const v = outputOf(gapLayer!, values);
    if (v.name === GRAPH_NAMES.logit || v.name === GRAPH_NAMES.subtypeLogits) {
      throw new Error(`exportToOnnx: layer "gap" is a head output; it cannot also be the features output`);
    }
    g.output(v.name, GRAPH_NAMES.features);
    outputs.push(valueInfo(GRAPH_NAMES.features, DType.FLOAT, ["N", ...v.shape]));
    io.features = GRAPH_NAMES.features;
  }

  const graph: OnnxNs.IGraphProto = {
    name: model.name || "tfjs_model",
    node: g.nodes,
    initializer: [...g.inits].map(([name, t]) => tensor(name, t.dims, t.data)),
    input: [valueInfo(GRAPH_NAMES.input, DType.FLOAT, ["N", c, h, w])],
    output: outputs,
  };
  const bytes = encodeModel({
    irVersion: 8,
    producerName: opts.producer ?? "all-screen tfjs2onnx",
    producerVersion: "1",
    opsetImport: [{ domain: "", version: opset }],
    graph,
  });
  // where the heatmap's cells lie on the input, read back from the graph just written; a graph
  // whose positions cannot be followed keeps the service's evenly spaced default
  if (io.cam) {
    try {
      io.camGrid = camGrid(decodeModel(bytes), io.cam);
    } catch {
      // no grid: the card then says nothing it cannot back
    }
  }
  return { bytes, io };
}

/** Collects nodes and initializers; initializers stay mutable until the end (BN folding). */
class GraphBuilder {
  nodes: OnnxNs.INodeProto[] = [];
  inits = new Map<string, Init>();
  foldable = new Map<string, Foldable>();
  /** Graph value names that must be renamed to fixed output names. */
  private renames = new Map<string, string>();

  add(op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): void {
    this.nodes.push(node(op, inputs, outputs, `${outputs[0]}/${op}`, attrs));
  }

  init(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    if (this.inits.has(name)) throw new Error(`exportToOnnx: duplicate initializer ${name}`);
    this.inits.set(name, { dims, data });
    return name;
  }

  /** Makes the value `from` a graph output called `to` by renaming it everywhere. */
  output(from: string, to: string): void {
    if (from === to) return;
    if (this.renames.has(from)) throw new Error(`exportToOnnx: value ${from} is used for two outputs`);
    this.renames.set(from, to);
    for (const n of this.nodes) {
      n.input = n.input!.map((x) => x === from ? to : x);
      n.output = n.output!.map((x) => x === from ? to : x);
    }
  }
}

function countConsumers(layers: AnyLayer[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const layer of layers) {
    for (const n of layer.inboundNodes) {
      for (const t of n.inputTensors) counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
    }
  }
  return counts;
}

/** The inbound node of `layer` whose inputs are all known (a shared layer has several). */
function pickNode(layer: AnyLayer, values: Map<number, Value>) {
  const n = layer.inboundNodes.find((n) => n.inputTensors.length > 0 && n.inputTensors.every((t) => values.has(t.id)));
  if (!n) throw new Error(`exportToOnnx: cannot place layer ${layer.name}: its inputs come from outside the model`);
  return n;
}

function findLayer(layers: AnyLayer[], name: string): AnyLayer | undefined {
  return layers.find((l) => l.name === name);
}

function outputOf(layer: AnyLayer, values: Map<number, Value>): Value {
  for (const n of layer.inboundNodes) {
    const v = values.get(n.outputTensors[0].id);
    if (v) return v;
  }
  throw new Error(`exportToOnnx: layer ${layer.name} was not converted`);
}

function assertLinearHead(layer: AnyLayer): void {
  const cfg = layer.getConfig();
  if (layer.getClassName() !== "Dense" || (cfg.activation ?? "linear") !== "linear") {
    throw new Error(
      `exportToOnnx: head "${layer.name}" must be a Dense with linear activation (the graph outputs logits)`,
    );
  }
}

/** The "gap" layer feeding `logit` through identity layers only, if any. */
function findCamSource(logit: AnyLayer): AnyLayer | undefined {
  let cur: AnyLayer = logit;
  for (let i = 0; i < 16; i++) {
    const prev = cur.inboundNodes[0]?.inboundLayers;
    if (!prev || prev.length !== 1) return undefined;
    const p = prev[0];
    if (p.name === "gap" && p.getClassName() === "GlobalAveragePooling2D") return p;
    if (!IDENTITY_LAYERS.has(p.getClassName())) return undefined;
    cur = p;
  }
  return undefined;
}

function pair(v: unknown, what: string): [number, number] {
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0], v[1]];
  if (Array.isArray(v) && v.length === 1) return [v[0], v[0]];
  throw new Error(`exportToOnnx: cannot read ${what} = ${JSON.stringify(v)}`);
}

function weightsByName(layer: AnyLayer): Map<string, { shape: number[]; data: Float32Array }> {
  const ws = layer.getWeights();
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  layer.weights.forEach((lw, i) => {
    const short = lw.originalName.split("/").pop()!;
    out.set(short, { shape: ws[i].shape, data: Float32Array.from(ws[i].dataSync() as Float32Array) });
  });
  return out;
}

function need<T>(m: Map<string, T>, key: string, layer: AnyLayer): T {
  const v = m.get(key);
  if (!v) {
    throw new Error(`exportToOnnx: layer ${layer.name} has no weight "${key}" (found ${[...m.keys()].join(", ")})`);
  }
  return v;
}

function checkChannelsLast(layer: AnyLayer, cfg: Record<string, unknown>): void {
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== "channelsLast") {
    throw new Error(`exportToOnnx: layer ${layer.name} uses ${cfg.dataFormat}; only channelsLast models are supported`);
  }
}

function padMode(layer: AnyLayer, v: unknown): "same" | "valid" {
  if (v === "same" || v === "valid") return v;
  throw new Error(`exportToOnnx: layer ${layer.name} has padding "${v}"; only "same" and "valid" are supported`);
}

/** Emits `layer`; `soleUse`: this layer is the only consumer of its (single) input. */
function convertLayer(g: GraphBuilder, layer: AnyLayer, inputs: Value[], soleUse: boolean): Value {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const name = layer.name;
  const x = inputs[0];

  if (IDENTITY_LAYERS.has(cls)) return x;

  switch (cls) {
    case "Conv2D":
    case "DepthwiseConv2D":
    case "SeparableConv2D": {
      checkChannelsLast(layer, cfg);
      if (x.shape.length !== 3) throw new Error(`exportToOnnx: ${cls} ${name} needs a 4-D input`);
      const [ci, ih, iw] = x.shape;
      const ks = pair(cfg.kernelSize, `${name}.kernelSize`);
      const st = pair(cfg.strides, `${name}.strides`);
      const dl = pair(cfg.dilationRate ?? 1, `${name}.dilationRate`);
      const pad = padding2d([ih, iw], ks, st, dl, padMode(layer, cfg.padding));
      const wts = weightsByName(layer);
      const attrs = { kernel_shape: ks, strides: st, dilations: dl, pads: pad.pads };
      let inName = x.name;
      let co: number;
      let weight: Float32Array;
      let wDims: number[];
      let group = 1;
      const bias = wts.get("bias")?.data;
      if (cls === "Conv2D") {
        const k = need(wts, "kernel", layer);
        co = k.shape[3];
        weight = hwioToOihw(k.data, k.shape);
        wDims = [co, ci, ks[0], ks[1]];
      } else {
        const k = need(wts, "depthwise_kernel", layer);
        const m = k.shape[3];
        const dw = depthwiseToOihw(k.data, k.shape);
        if (cls === "DepthwiseConv2D") {
          co = ci * m;
          weight = dw;
          wDims = [co, 1, ks[0], ks[1]];
          group = ci;
        } else {
          // SeparableConv2D = depthwise (no bias) then pointwise 1×1 conv with the bias.
          const dwName = g.init(`${name}.depthwise.weight`, [ci * m, 1, ks[0], ks[1]], dw);
          inName = `${name}.depthwise`;
          g.add("Conv", [x.name, dwName], [inName], { ...attrs, group: ci });
          const p = need(wts, "pointwise_kernel", layer);
          co = p.shape[3];
          weight = hwioToOihw(p.data, p.shape);
          wDims = [co, ci * m, 1, 1];
          Object.assign(attrs, { kernel_shape: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] });
        }
      }
      const wName = g.init(`${name}.weight`, wDims, weight);
      const bName = g.init(`${name}.bias`, [co], bias ?? new Float32Array(co));
      const act = String(cfg.activation ?? "linear");
      const preName = act === "linear" ? name : `${name}.pre`;
      g.add("Conv", [inName, wName, bName], [preName], group > 1 ? { ...attrs, group } : attrs);
      const out: Value = { name: preName, shape: [co, pad.outH, pad.outW] };
      if (act === "linear") g.foldable.set(name, { weight: wName, bias: bName, outChannels: co });
      return activation(g, act, out, name, layer);
    }
    case "Dense": {
      if (x.shape.length !== 1) {
        throw new Error(
          `exportToOnnx: Dense ${name} gets a ${
            x.shape.length + 1
          }-D input; add Flatten or GlobalAveragePooling2D before it`,
        );
      }
      const wts = weightsByName(layer);
      const k = need(wts, "kernel", layer);
      const [fi, fo] = k.shape;
      // Gemm with transB=1: B is [out, in], output channel first (BN folding, per-channel quantisation).
      const wt = new Float32Array(fi * fo);
      for (let i = 0; i < fi; i++) for (let o = 0; o < fo; o++) wt[o * fi + i] = k.data[i * fo + o];
      const wName = g.init(`${name}.weight`, [fo, fi], wt);
      const bName = g.init(`${name}.bias`, [fo], wts.get("bias")?.data ?? new Float32Array(fo));
      const act = String(cfg.activation ?? "linear");
      const preName = act === "linear" ? name : `${name}.pre`;
      g.add("Gemm", [x.name, wName, bName], [preName], { transB: 1 });
      if (act === "linear") g.foldable.set(name, { weight: wName, bias: bName, outChannels: fo });
      return activation(g, act, { name: preName, shape: [fo] }, name, layer);
    }
    case "BatchNormalization": {
      const axis = cfg.axis;
      const rank = x.shape.length + 1;
      if (
        !(axis === -1 || axis === rank - 1 ||
          (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === rank - 1)))
      ) {
        throw new Error(
          `exportToOnnx: BatchNormalization ${name} normalises axis ${
            JSON.stringify(axis)
          }; only the channel (last) axis is supported`,
        );
      }
      const wts = weightsByName(layer);
      const aff = batchNormAffine({
        gamma: wts.get("gamma")?.data,
        beta: wts.get("beta")?.data,
        mean: need(wts, "moving_mean", layer).data,
        variance: need(wts, "moving_variance", layer).data,
        epsilon: Number(cfg.epsilon ?? 1e-3),
      });
      const prod = g.foldable.get(x.name);
      if (prod && soleUse) {
        const wi = g.inits.get(prod.weight)!;
        const bi = g.inits.get(prod.bias)!;
        const folded = foldAffine(wi.data as Float32Array, bi.data as Float32Array, aff);
        wi.data = folded.weight;
        bi.data = folded.bias;
        g.foldable.delete(x.name);
        return x;
      }
      const shape = x.shape.length === 3 ? [x.shape[0], 1, 1] : [x.shape[0]];
      const s = g.init(`${name}.scale`, shape, aff.scale);
      const b = g.init(`${name}.shift`, shape, aff.shift);
      g.add("Mul", [x.name, s], [`${name}.mul`]);
      g.add("Add", [`${name}.mul`, b], [name]);
      return { name, shape: x.shape };
    }
    case "Activation":
      return activation(g, String(cfg.activation), x, name, layer, true);
    case "ReLU": {
      if (cfg.negativeSlope || cfg.threshold) {
        throw new Error(`exportToOnnx: ReLU ${name} with negativeSlope/threshold is not supported`);
      }
      const maxValue = cfg.maxValue as number | null | undefined;
      if (maxValue === null || maxValue === undefined) return activation(g, "relu", x, name, layer, true);
      return clip(g, x, name, 0, maxValue);
    }
    case "MaxPooling2D":
    case "AveragePooling2D": {
      checkChannelsLast(layer, cfg);
      const [ch, ih, iw] = x.shape;
      const ks = pair(cfg.poolSize, `${name}.poolSize`);
      const st = pair(cfg.strides ?? cfg.poolSize, `${name}.strides`);
      const pad = padding2d([ih, iw], ks, st, [1, 1], padMode(layer, cfg.padding));
      const attrs: Record<string, AttrValue> = { kernel_shape: ks, strides: st, pads: pad.pads };
      if (cls === "AveragePooling2D") attrs.count_include_pad = 0;
      g.add(cls === "MaxPooling2D" ? "MaxPool" : "AveragePool", [x.name], [name], attrs);
      return { name, shape: [ch, pad.outH, pad.outW] };
    }
    case "GlobalAveragePooling2D":
    case "GlobalMaxPooling2D": {
      checkChannelsLast(layer, cfg);
      if (cfg.keepDims) throw new Error(`exportToOnnx: ${cls} ${name} with keepDims is not supported`);
      const pooled = `${name}.pool`;
      g.add(cls === "GlobalAveragePooling2D" ? "GlobalAveragePool" : "GlobalMaxPool", [x.name], [pooled]);
      g.add("Flatten", [pooled], [name], { axis: 1 });
      return { name, shape: [x.shape[0]] };
    }
    case "Flatten": {
      if (x.shape.length === 1) return x;
      // TF flattens NHWC; transpose back from NCHW first so the order (and Dense weights) match.
      const nhwc = `${name}.nhwc`;
      g.add("Transpose", [x.name], [nhwc], { perm: [0, 2, 3, 1] });
      g.add("Flatten", [nhwc], [name], { axis: 1 });
      return { name, shape: [x.shape.reduce((a, b) => a * b, 1)] };
    }
    case "Add": {
      for (const v of inputs) {
        if (v.shape.join() !== x.shape.join()) {
          throw new Error(`exportToOnnx: Add ${name} inputs have different shapes; broadcasting is not supported`);
        }
      }
      let acc = inputs[0].name;
      for (let i = 1; i < inputs.length; i++) {
        const o = i === inputs.length - 1 ? name : `${name}.${i}`;
        g.add("Add", [acc, inputs[i].name], [o]);
        acc = o;
      }
      return { name, shape: x.shape };
    }
    case "ZeroPadding2D": {
      checkChannelsLast(layer, cfg);
      const p = cfg.padding;
      const [[top, bottom], [left, right]] = typeof p === "number"
        ? [[p, p], [p, p]]
        : (p as unknown[]).map((v, i) => pair(v, `${name}.padding[${i}]`));
      const pads = g.init(`${name}.pads`, [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
      g.add("Pad", [x.name, pads], [name], { mode: "constant" });
      return { name, shape: [x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right] };
    }
    case "LeakyReLU":
      g.add("LeakyRelu", [x.name], [name], { alpha: { float: Number(cfg.alpha ?? 0.3) } });
      return { name, shape: x.shape };
    case "Concatenate": {
      const ax = Number(cfg.axis ?? -1);
      const rank = x.shape.length + 1;
      if (ax !== -1 && ax !== rank - 1) {
        throw new Error(`exportToOnnx: Concatenate ${name} on axis ${ax}; only the channel axis is supported`);
      }
      g.add("Concat", inputs.map((v) => v.name), [name], { axis: 1 });
      const ch = inputs.reduce((n, v) => n + v.shape[0], 0);
      return { name, shape: [ch, ...x.shape.slice(1)] };
    }
    default:
      throw new Error(
        `exportToOnnx: layer ${name} (${cls}) is not supported; supported: Conv2D, DepthwiseConv2D, SeparableConv2D, ` +
          `BatchNormalization, Activation, ReLU, LeakyReLU, ZeroPadding2D, MaxPooling2D, AveragePooling2D, ` +
          `GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Dense, Dropout, Add, Concatenate`,
      );
  }
}

function clip(g: GraphBuilder, x: Value, out: string, lo: number, hi: number): Value {
  const minName = g.inits.has("const.clip.min." + lo)
    ? "const.clip.min." + lo
    : g.init("const.clip.min." + lo, [], new Float32Array([lo]));
  const maxName = g.inits.has("const.clip.max." + hi)
    ? "const.clip.max." + hi
    : g.init("const.clip.max." + hi, [], new Float32Array([hi]));
  g.add("Clip", [x.name, minName, maxName], [out]);
  return { name: out, shape: x.shape };
}

/** Appends the activation `act` after `x`, writing value `out` (or returns `x` for linear). */
function activation(g: GraphBuilder, act: string, x: Value, out: string, layer: AnyLayer, standalone = false): Value {
  switch (act) {
    case "linear":
      return x;
    case "relu":
      g.add("Relu", [x.name], [out]);
      return { name: out, shape: x.shape };
    case "relu6":
      return clip(g, x, out, 0, 6);
    case "sigmoid":
      g.add("Sigmoid", [x.name], [out]);
      return { name: out, shape: x.shape };
    case "tanh":
      g.add("Tanh", [x.name], [out]);
      return { name: out, shape: x.shape };
    case "softmax":
      // TF softmax is over the last (channel) axis, which is axis 1 in both [N,C] and NCHW.
      g.add("Softmax", [x.name], [out], { axis: 1 });
      return { name: out, shape: x.shape };
    default:
      throw new Error(
        `exportToOnnx: ${standalone ? "Activation layer" : "layer"} ${layer.name} uses activation "${act}"; ` +
          `supported: linear, relu, relu6, sigmoid, tanh, softmax`,
      );
  }
}
