/**
 * The ONNX protobuf schema (generated classes from `onnx-proto`) and small builders for the pieces
 * the exporter and quantizer write: tensors, attributes, nodes and value infos.
 *
 * @module
 */
import * as pkg from "onnx-proto";

/** The `onnx` namespace of generated protobufjs classes (works under Node ESM, tsx and Deno). */
export const onnx: typeof pkg.onnx = ((pkg as unknown as { default?: typeof pkg }).default ?? pkg).onnx;

/** ONNX tensor element types used here. */
export const DType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
/** One of {@link DType}'s values. */
export type DTypeCode = (typeof DType)[keyof typeof DType];

/** Typed arrays the builders accept as tensor data. */
export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

function dtypeOf(data: TensorData): DTypeCode {
  if (data instanceof Float32Array) return DType.FLOAT;
  if (data instanceof Uint8Array) return DType.UINT8;
  if (data instanceof Int8Array) return DType.INT8;
  if (data instanceof Int32Array) return DType.INT32;
  return DType.INT64;
}

/**
 * A named initializer tensor stored as little-endian raw data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const w = tensor("conv1.weight", [8, 3, 3, 3], new Float32Array(8 * 27));
 * assert.equal(w.dataType, DType.FLOAT);
 * assert.equal(w.rawData?.length, 8 * 27 * 4); // 4 bytes per float
 * assert.throws(() => tensor("bad", [2, 2], new Float32Array(3)), /hold 4 values but data has 3/);
 * ```
 */
export function tensor(name: string, dims: readonly number[], data: TensorData): pkg.onnx.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`tensor ${name}: dims [${dims}] hold ${count} values but data has ${data.length}`);
  }
  // Typed arrays are little-endian on every platform this runs on (x86, ARM, wasm).
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return { name, dims: [...dims], dataType: dtypeOf(data), rawData: raw };
}

/**
 * Reads an initializer back as a typed array (raw data or the typed repeated fields).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * const model = decodeModel(new Uint8Array(await readFile("tests/fixtures/models/tiny.float.onnx")));
 * const w = tensorData(model.graph.initializer[0]) as Float32Array; // conv1.weight [8, 3, 3, 3]
 * assert.ok(w instanceof Float32Array);
 * assert.equal(w.length, 8 * 3 * 3 * 3);
 * assert.deepEqual(tensorData(tensor("q", [2], Int8Array.from([5, -7]))), Int8Array.from([5, -7]));
 * ```
 */
export function tensorData(t: pkg.onnx.ITensorProto): TensorData {
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  // Copy (a Node Buffer's slice() would share the pooled buffer) so the result is aligned and owned.
  const copy = raw ? new Uint8Array(raw) : undefined;
  switch (t.dataType) {
    case DType.FLOAT:
      return copy ? new Float32Array(copy.buffer) : Float32Array.from(t.floatData ?? []);
    case DType.UINT8:
      return copy ? new Uint8Array(copy.buffer) : Uint8Array.from(t.int32Data ?? []);
    case DType.INT8:
      return copy ? new Int8Array(copy.buffer) : Int8Array.from(t.int32Data ?? []);
    case DType.INT32:
      return copy ? new Int32Array(copy.buffer) : Int32Array.from(t.int32Data ?? []);
    case DType.INT64:
      return copy
        ? new BigInt64Array(copy.buffer)
        : BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(toNumber(v))));
    default:
      throw new Error(
        `tensor ${t.name}: element type ${t.dataType} is not supported here (float, uint8, int8, int32, int64 only)`,
      );
  }
}

/**
 * A protobuf int64 (number or Long) as a JS number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * const model = decodeModel(new Uint8Array(await readFile("tests/fixtures/models/tiny.float.onnx")));
 * assert.equal(toNumber(model.graph.initializer[0].dims![0]), 8); // a Long after decoding
 * assert.equal(toNumber(3), 3);
 * assert.equal(toNumber(undefined), 0);
 * ```
 */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

/** Attribute values the builder understands. */
export type AttrValue = number | string | number[] | { float: number };

/**
 * An attribute: integers become INT, integer arrays INTS, strings STRING, `{float}` FLOAT.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const T = onnx.AttributeProto.AttributeType;
 * assert.deepEqual(attr("strides", [2, 2]), { name: "strides", type: T.INTS, ints: [2, 2] });
 * assert.equal(attr("epsilon", { float: 1e-3 }).f, 1e-3);
 * assert.equal(new TextDecoder().decode(attr("auto_pad", "NOTSET").s!), "NOTSET");
 * assert.throws(() => attr("epsilon", 1e-3), /pass \{float: 0.001\}/); // non-integers need {float}
 * ```
 */
export function attr(name: string, value: AttrValue): pkg.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === "string") return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      throw new Error(`attribute ${name}: ${value} is not an integer; pass {float: ${value}}`);
    }
    return { name, type: T.INT, i: value };
  }
  return { name, type: T.FLOAT, f: value.float };
}

/**
 * A graph node.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const relu = node("Relu", ["conv1"], ["relu1"], "relu1");
 * assert.deepEqual([relu.opType, relu.input, relu.output, relu.attribute], ["Relu", ["conv1"], ["relu1"], []]);
 * const pool = node("MaxPool", ["relu1"], ["pool1"], "pool1", { kernel_shape: [2, 2] });
 * assert.equal(pool.attribute?.[0].name, "kernel_shape");
 * ```
 */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attrs: Record<string, AttrValue> = {},
  domain = "",
): pkg.onnx.INodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name,
    domain,
    attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)),
  };
}

/** A dimension: a number is fixed, a string is symbolic (e.g. `"N"` for the batch). */
export type Dim = number | string;

/**
 * A typed value info (graph inputs/outputs). `dims` undefined leaves the shape unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const info = valueInfo("image", DType.FLOAT, ["N", 3, 32, 32]);
 * assert.deepEqual(info.type?.tensorType?.shape?.dim?.slice(0, 2), [{ dimParam: "N" }, { dimValue: 3 }]);
 * assert.equal(valueInfo("any", DType.FLOAT).type?.tensorType?.shape, undefined); // shape unknown
 * ```
 */
export function valueInfo(name: string, elemType: DTypeCode, dims?: readonly Dim[]): pkg.onnx.IValueInfoProto {
  const shape = dims === undefined ? undefined : {
    dim: dims.map((d) => typeof d === "number" ? { dimValue: d } : { dimParam: d }),
  };
  return { name, type: { tensorType: { elemType, shape } } };
}

/**
 * Encodes a model proto to bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const graph = {
 *   name: "relu",
 *   node: [node("Relu", ["x"], ["y"], "relu")],
 *   input: [valueInfo("x", DType.FLOAT, ["N", 4])],
 *   output: [valueInfo("y", DType.FLOAT, ["N", 4])],
 * };
 * const bytes = encodeModel({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph });
 * assert.equal(decodeModel(bytes).graph.node[0].opType, "Relu"); // round trip
 * ```
 */
export function encodeModel(model: pkg.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** A decoded node: protobufjs fills repeated fields with [] and strings with "". */
export interface DecodedNode extends pkg.onnx.INodeProto {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: pkg.onnx.IAttributeProto[];
}
/** A decoded initializer. */
export interface DecodedTensor extends pkg.onnx.ITensorProto {
  name: string;
  dataType: number;
}
/** A decoded value info. */
export interface DecodedValueInfo extends pkg.onnx.IValueInfoProto {
  name: string;
}
/** A decoded graph with its repeated fields present. */
export interface DecodedGraph extends pkg.onnx.IGraphProto {
  node: DecodedNode[];
  initializer: DecodedTensor[];
  input: DecodedValueInfo[];
  output: DecodedValueInfo[];
  valueInfo: DecodedValueInfo[];
}
/** A decoded model whose graph is present. */
export interface DecodedModel extends pkg.onnx.IModelProto {
  graph: DecodedGraph;
  opsetImport: pkg.onnx.IOperatorSetIdProto[];
}

/**
 * Decodes model bytes into an editable object (int64s as numbers or Longs, see {@link toNumber}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * const bytes = new Uint8Array(await readFile("tests/fixtures/models/tiny.float.onnx"));
 * const m = decodeModel(bytes);
 * assert.equal(m.graph.node.length, 11);
 * assert.deepEqual(m.graph.output.map((o) => o.name), ["logit", "subtype_logits", "cam"]);
 * assert.throws(() => decodeModel(new Uint8Array(0)), /no ONNX graph/);
 * ```
 */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const m = onnx.ModelProto.decode(bytes);
  if (!m.graph) throw new Error("decodeModel: these bytes hold no ONNX graph; pass a .onnx model file");
  return m as unknown as DecodedModel;
}
