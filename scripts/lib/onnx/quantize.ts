/**
 * Static int8 quantisation of a float ONNX model in the QDQ format.
 *
 * - Conv / Gemm weights: int8, symmetric, per output channel (axis 0; Gemm weights are `[out, in]`
 *   with transB=1 as the exporter writes them), behind DequantizeLinear.
 * - Their biases: int32 with scale `input_scale × weight_scale[c]`, behind DequantizeLinear.
 * - Activations: uint8 asymmetric, a QuantizeLinear → DequantizeLinear pair after the graph input
 *   and after every node output that is not a graph output; ranges come from running
 *   onnxruntime-web on the calibration batches with every intermediate tensor added as an output.
 * - A Relu (or Clip(0, ·)) right after a Conv/Gemm is removed: the Q after the Conv uses the
 *   Relu's range (which starts at 0), so quantisation clamps exactly like the Relu did.
 * - Value-preserving ops (MaxPool, Transpose, Flatten, Reshape, GlobalMaxPool, zero Pad) reuse their input's
 *   scale/zero point, so onnxruntime can drop their Q/DQ pair.
 * - Graph outputs (`logit`, `subtype_logits`, `cam`, `features`) stay float: their producing op
 *   reads dequantised inputs and writes float. A graph output that other nodes also read
 *   (`features`, which the heads read) gets its Q→DQ pair for those readers only, so the int8
 *   graph computes exactly what it computed before that tensor was an output.
 *
 * onnxruntime's graph optimiser turns DQ→Conv→Q into QLinearConv, DQ→MaxPool→Q into an int8
 * MaxPool, etc.
 *
 * @module
 */
import type { onnx as OnnxNs } from "onnx-proto";
import {
  type DecodedNode,
  decodeModel,
  DType,
  encodeModel,
  node,
  tensor,
  tensorData,
  toNumber,
  valueInfo,
} from "./proto.ts";
import {
  type ActivationQParams,
  activationQParams,
  quantile,
  quantizeBias,
  quantizeWeightPerChannel,
} from "./qparams.ts";
import { createSession } from "../../../model/core/mod.ts";

/** Options of {@link quantizeQdq}. */
export interface QuantizeOptions {
  /**
   * Batch size of a calibration array; default: `length / (C*H*W)` from the graph input's shape.
   */
  batchSizeOf?: (batch: Float32Array) => number;
  /** `minmax` (default): the extremes seen; `percentile`: per-batch percentiles, averaged. */
  method?: "minmax" | "percentile";
  /** Upper percentile for `percentile` (default 99.99; the lower one is 100 − p). */
  percentile?: number;
  /**
   * 7-bit weights ([-63, 63]). Default false: onnxruntime-web (wasm) computes int8 exactly. Native
   * x86 onnxruntime on AVX2 without VNNI saturates u8×s8 pair sums (vpmaddubsw) with full-range
   * weights; set this when the int8 model is to run there.
   */
  reduceRange?: boolean;
  /**
   * Tensors to leave in float: not calibrated, no Q/DQ after them (default: none). An ensemble's
   * in-graph front ends and the combination of its members' outputs use this
   * (`ensembleKeepsFloat`): bool masks, hue angles and logits would lose what 8 bits cannot hold.
   */
  keepFloat?: (tensor: string, producer: DecodedNode | undefined, consumers: readonly DecodedNode[]) => boolean;
}

/** Calibrated range and quantisation parameters of one activation tensor. */
export interface TensorRange extends ActivationQParams {
  min: number;
  max: number;
}

/** What {@link quantizeQdq} did. */
export interface QuantizeReport {
  method: "minmax" | "percentile";
  /** Calibration images seen. */
  images: number;
  /** Quantised activation tensors (names in the float model). */
  ranges: Record<string, TensorRange>;
  /** Conv/Gemm nodes whose weights were quantised. */
  nodesQuantized: number;
  /** Relu/Clip nodes folded into the quantisation of the Conv/Gemm before them. */
  activationsFused: number;
  floatBytes: number;
  int8Bytes: number;
  /** int8Bytes / floatBytes. */
  sizeRatio: number;
}

/** Ops whose output has the same values (a subset/permutation) as their input. */
const SHARE_INPUT_PARAMS = new Set([
  "MaxPool",
  "Transpose",
  "Flatten",
  "Reshape",
  "GlobalMaxPool",
  "Squeeze",
  "Unsqueeze",
]);
const WEIGHT_OPS = new Set(["Conv", "Gemm"]);

/**
 * Quantises `floatModel` (bytes of a float32 ONNX model with one float NCHW input) to static int8 QDQ.
 * `calibration` yields NCHW batches `[n, C, H, W]`, flattened.
 *
 * @example
 * ```ts
 * const floatBytes = await Deno.readFile("tests/fixtures/models/tiny.float.onnx"); // input [N, 3, 32, 32]
 * const calibration = [new Float32Array(2 * 3 * 32 * 32).map((_, i) => Math.sin(i))]; // one batch of 2
 * const { bytes, report } = await quantizeQdq(floatBytes, calibration, { method: "minmax" });
 * if (report.images !== 2 || report.nodesQuantized === 0) throw new Error("calibrated on 2 images, quantised");
 * console.log(`${bytes.length} bytes, ${report.nodesQuantized} nodes quantised`);
 * ```
 */
export async function quantizeQdq(
  floatModel: Uint8Array,
  calibration: Iterable<Float32Array> | AsyncIterable<Float32Array>,
  opts: QuantizeOptions = {},
): Promise<{ bytes: Uint8Array; report: QuantizeReport }> {
  const model = decodeModel(floatModel);
  const graph = model.graph;
  if (!graph) throw new Error("quantizeQdq: the model has no graph");
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const realInputs = graph.input.filter((i) => !inits.has(i.name));
  if (realInputs.length !== 1) throw new Error(`quantizeQdq: expected one graph input, found ${realInputs.length}`);
  const input = realInputs[0];
  const outputNames = new Set(graph.output.map((o) => o.name));

  // Who writes and who reads each tensor (the float-kept rule and the Relu fusion below).
  const producer = new Map<string, DecodedNode>();
  const consumers = new Map<string, DecodedNode[]>();
  for (const n of graph.node) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) {
      if (!consumers.has(i)) consumers.set(i, []);
      consumers.get(i)!.push(n);
    }
  }
  const uses = (t: string) => consumers.get(t)?.length ?? 0;

  // Activations to calibrate: the input and every node output (all float in an exported model),
  // less those the caller keeps in float.
  const tensors = [input.name, ...graph.node.flatMap((n) => n.output)].filter((t) => t !== "");
  const floatKept = new Set(tensors.filter((t) => opts.keepFloat?.(t, producer.get(t), consumers.get(t) ?? [])));
  const activations = tensors.filter((t) => !floatKept.has(t));
  const method = opts.method ?? "minmax";
  const { ranges: raw, images } = await calibrate(floatModel, input, activations, calibration, opts, method);

  // Fuse Relu/Clip(0,·) that follow a Conv/Gemm into the quantisation of that Conv/Gemm.
  const removed = new Set<DecodedNode>();
  for (const n of graph.node) {
    if (n.opType !== "Relu" && !(n.opType === "Clip" && isZero(inits.get(n.input[1])))) continue;
    const p = producer.get(n.input[0]);
    if (
      !p || !WEIGHT_OPS.has(p.opType) || uses(n.input[0]) !== 1 || outputNames.has(n.input[0]) ||
      outputNames.has(n.output[0])
    ) continue;
    p.output = [n.output[0]];
    removed.add(n);
  }
  const nodes = graph.node.filter((n) => !removed.has(n));

  // Quantisation parameters per activation tensor.
  const params = new Map<string, ActivationQParams>();
  const report: Record<string, TensorRange> = {};
  const setParams = (name: string, qp: ActivationQParams, r: { min: number; max: number }) => {
    params.set(name, qp);
    report[name] = { ...r, ...qp };
  };
  if (!floatKept.has(input.name)) setParams(input.name, rangeParams(raw.get(input.name)!), raw.get(input.name)!);
  for (const n of nodes) {
    for (const o of n.output) {
      if (o === "" || (outputNames.has(o) && !uses(o))) continue;
      const r = raw.get(o);
      if (!r) continue;
      const shared = SHARE_INPUT_PARAMS.has(n.opType) ? params.get(n.input[0]) : undefined;
      setParams(o, shared ?? rangeParams(r), r);
    }
  }

  // Rewrite: weights/biases to int8/int32 behind DQ, Q→DQ after each quantised activation.
  const newInits: OnnxNs.ITensorProto[] = [];
  const dropInits = new Set<string>();
  const weightDq: OnnxNs.INodeProto[] = [];
  const dq = (name: string) => `${name}_dequantized`;
  const scaleZp = (name: string, qp: ActivationQParams) => {
    newInits.push(tensor(`${name}_scale`, [], new Float32Array([qp.scale])));
    newInits.push(tensor(`${name}_zero_point`, [], new Uint8Array([qp.zeroPoint])));
  };
  let nodesQuantized = 0;
  for (const n of nodes) {
    if (!WEIGHT_OPS.has(n.opType)) continue;
    const inQ = params.get(n.input[0]);
    const w = inits.get(n.input[1]);
    if (!inQ || !w || w.dataType !== DType.FLOAT) continue;
    if (n.opType === "Gemm" && !(attrInt(n, "transB") === 1 && attrInt(n, "transA") !== 1)) continue;
    const dims = (w.dims ?? []).map(toNumber);
    const qw = quantizeWeightPerChannel(tensorData(w) as Float32Array, dims[0], opts.reduceRange ? 63 : 127);
    const wName = w.name!;
    newInits.push(tensor(`${wName}_quantized`, dims, qw.data));
    newInits.push(tensor(`${wName}_scale`, [dims[0]], qw.scales));
    newInits.push(tensor(`${wName}_zero_point`, [dims[0]], new Int8Array(dims[0])));
    weightDq.push(
      node(
        "DequantizeLinear",
        [`${wName}_quantized`, `${wName}_scale`, `${wName}_zero_point`],
        [dq(wName)],
        `${wName}_DequantizeLinear`,
        { axis: 0 },
      ),
    );
    dropInits.add(wName);
    const inputs = [n.input[0], dq(wName)];
    const b = n.input[2] ? inits.get(n.input[2]) : undefined;
    if (b && b.dataType === DType.FLOAT) {
      const qb = quantizeBias(tensorData(b) as Float32Array, inQ.scale, qw.scales);
      const bName = b.name!;
      newInits.push(tensor(`${bName}_quantized`, [qb.data.length], qb.data));
      newInits.push(tensor(`${bName}_scale`, [qb.data.length], qb.scales));
      newInits.push(tensor(`${bName}_zero_point`, [qb.data.length], new Int32Array(qb.data.length)));
      weightDq.push(
        node(
          "DequantizeLinear",
          [`${bName}_quantized`, `${bName}_scale`, `${bName}_zero_point`],
          [dq(bName)],
          `${bName}_DequantizeLinear`,
          { axis: 0 },
        ),
      );
      dropInits.add(bName);
      inputs.push(dq(bName));
    } else if (n.input[2]) {
      inputs.push(n.input[2]);
    }
    n.input = inputs;
    nodesQuantized++;
  }

  const qdq = (t: string): OnnxNs.INodeProto[] => {
    const qp = params.get(t)!;
    scaleZp(t, qp);
    return [
      node("QuantizeLinear", [t, `${t}_scale`, `${t}_zero_point`], [`${t}_quantized`], `${t}_QuantizeLinear`),
      node("DequantizeLinear", [`${t}_quantized`, `${t}_scale`, `${t}_zero_point`], [dq(t)], `${t}_DequantizeLinear`),
    ];
  };
  // Consumers read the dequantised tensor.
  for (const n of nodes) n.input = n.input.map((i) => params.has(i) ? dq(i) : i);
  const out: OnnxNs.INodeProto[] = [...weightDq, ...(params.has(input.name) ? qdq(input.name) : [])];
  for (const n of nodes) {
    out.push(n);
    for (const o of n.output) if (params.has(o)) out.push(...qdq(o));
  }

  graph.node = out as OnnxNs.NodeProto[];
  // Drop initializers nothing reads any more (float weights, constants of fused Clips).
  const read = new Set(out.flatMap((n) => n.input ?? []));
  graph.initializer = [...graph.initializer.filter((t) => !dropInits.has(t.name)), ...newInits]
    .filter((t) => read.has(t.name!)) as OnnxNs.TensorProto[];
  graph.valueInfo = [];
  const bytes = encodeModel(model);
  return {
    bytes,
    report: {
      method,
      images,
      ranges: report,
      nodesQuantized,
      activationsFused: removed.size,
      floatBytes: floatModel.length,
      int8Bytes: bytes.length,
      sizeRatio: bytes.length / floatModel.length,
    },
  };
}

function rangeParams(r: { min: number; max: number }): ActivationQParams {
  return activationQParams(r.min, r.max);
}

function isZero(t: OnnxNs.ITensorProto | undefined): boolean {
  if (!t || t.dataType !== DType.FLOAT) return false;
  const d = tensorData(t);
  return d.length === 1 && d[0] === 0;
}

function attrInt(n: OnnxNs.INodeProto, name: string): number | undefined {
  const a = n.attribute?.find((x) => x.name === name);
  return a ? toNumber(a.i as number) : undefined;
}

/**
 * Runs the float model with every activation as an output over all calibration batches and returns
 * each activation's range (min/max, or averaged per-batch percentiles).
 */
async function calibrate(
  floatModel: Uint8Array,
  input: OnnxNs.IValueInfoProto,
  activations: string[],
  calibration: Iterable<Float32Array> | AsyncIterable<Float32Array>,
  opts: QuantizeOptions,
  method: "minmax" | "percentile",
): Promise<{ ranges: Map<string, { min: number; max: number }>; images: number }> {
  const m = decodeModel(floatModel);
  const existing = new Set(m.graph.output.map((o) => o.name));
  for (const a of activations) {
    if (!existing.has(a) && a !== input.name) m.graph.output.push(valueInfo(a, DType.FLOAT) as OnnxNs.ValueInfoProto);
  }
  const dims = input.type?.tensorType?.shape?.dim?.map((d) => toNumber(d.dimValue as number)) ?? [];
  const perImage = dims.slice(1).reduce((a, b) => a * b, 1);
  if (!(perImage > 0)) throw new Error(`quantizeQdq: graph input ${input.name} needs fixed C, H, W dims`);
  // onnxruntime-web (the service's runtime), unoptimised so that every activation stays a tensor.
  const session = await createSession(encodeModel(m), { optimization: "disabled" });
  const acc = new Map<string, { min: number; max: number; lo: number; hi: number; n: number }>();
  const upper = (opts.percentile ?? 99.99) / 100;
  let images = 0;
  const note = (name: string, data: Float32Array) => {
    let mn = Infinity, mx = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const a = acc.get(name) ?? { min: Infinity, max: -Infinity, lo: 0, hi: 0, n: 0 };
    a.min = Math.min(a.min, mn);
    a.max = Math.max(a.max, mx);
    if (method === "percentile") {
      a.lo += quantile(data, 1 - upper);
      a.hi += quantile(data, upper);
    }
    a.n++;
    acc.set(name, a);
  };
  try {
    for await (const batch of calibration) {
      const n = opts.batchSizeOf ? opts.batchSizeOf(batch) : batch.length / perImage;
      if (!Number.isInteger(n) || n < 1 || n * perImage !== batch.length) {
        throw new Error(
          `quantizeQdq: a calibration batch has ${batch.length} values, not a whole number of [${
            dims.slice(1)
          }] images`,
        );
      }
      const res = await session.run({ [input.name!]: { dims: [n, ...dims.slice(1)], data: batch } });
      note(input.name!, batch);
      for (const a of activations) {
        if (a === input.name) continue;
        const t = res[a]; // float outputs only
        if (t) note(a, t.data);
      }
      images += n;
    }
  } finally {
    await session.close();
  }
  if (images === 0) throw new Error("quantizeQdq: the calibration data is empty; pass at least one batch of images");
  const ranges = new Map<string, { min: number; max: number }>();
  for (const [k, a] of acc) {
    ranges.set(k, method === "percentile" ? { min: a.lo / a.n, max: a.hi / a.n } : { min: a.min, max: a.max });
  }
  return { ranges, images };
}
