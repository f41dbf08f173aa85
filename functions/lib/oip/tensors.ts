/**
 * Open Inference Protocol v2 tensors for this model: reading an `infer` request's one input
 * (encoded images as `BYTES` named `image`, or the card's preprocessed `FP32` tensor named
 * `input`), JSON or binary, and writing the answers as the outputs `scores`, `label`,
 * `decision` and `reasons`, JSON or binary as the request asks.
 *
 * @module
 */
import type { Answer, ImageFormat } from "../../../model/core/mod.ts";
import { decodeBase64 } from "../http/base64.ts";
import { ApiError } from "../http/errors.ts";
import { pickFormat } from "../http/input.ts";
import { binaryToFloat32, bytesToBinary, float32ToBinary, readBytesElements } from "./binary.ts";

/** A tensor as the protocol's JSON describes it (`data` absent when its bytes are binary). */
export interface OipTensor {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data?: unknown[];
}

/** The name and datatype of the encoded-image input. */
export const IMAGE_INPUT = { name: "image", datatype: "BYTES" } as const;
/** The name and datatype of the preprocessed-tensor input. */
export const TENSOR_INPUT = { name: "input", datatype: "FP32" } as const;
/** The outputs, in the order they are returned when the request names none. */
export const OUTPUT_NAMES = ["scores", "label", "decision", "reasons"] as const;
/** One of {@link OUTPUT_NAMES}. */
export type OutputName = typeof OUTPUT_NAMES[number];

/** What an `infer` request asks for, checked against the model. */
export interface ParsedInfer {
  /** The request's `id`, echoed in the response. */
  id?: string;
  /** Encoded images (the `image` input) or `n` preprocessed images (the `input` input). */
  input:
    | { kind: "images"; images: { bytes: Uint8Array; format?: ImageFormat }[] }
    | { kind: "tensor"; n: number; data: Float32Array };
  /** The outputs to return, in order, and whether each is sent as binary data. */
  outputs: { name: OutputName; binary: boolean }[];
}

/** What {@link parseInferRequest} checks the request against. */
export interface InferLimits {
  /** The model's input side (`card.preprocess.size`): the `input` tensor is `[n, 3, size, size]`. */
  size: number;
  /** Most images per request (413 `too_many_images` past it). */
  maxImages: number;
  /** Most bytes of one decoded image. */
  maxImageBytes: number;
}

const USAGE = 'send one input: {"name": "image", "datatype": "BYTES", "shape": [n], "data": ["<base64>", ...]} ' +
  '(or binary data) or {"name": "input", "datatype": "FP32", "shape": [n, 3, size, size], "data": [...]}';

function bad(message: string): ApiError {
  return new ApiError(400, "invalid_body", message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `data` flattened row-major to `count` leaves (nested arrays allowed); `undefined` if the count differs. */
function flatten(data: unknown[], count: number): unknown[] | undefined {
  const out: unknown[] = [];
  const stack: unknown[][] = [data];
  const at: number[] = [0];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const i = at[at.length - 1]++;
    if (i >= top.length) {
      stack.pop();
      at.pop();
      continue;
    }
    const v = top[i];
    if (Array.isArray(v)) {
      if (stack.length > 8) return undefined; // deeper than any shape this model takes
      stack.push(v);
      at.push(0);
    } else {
      if (out.length === count) return undefined;
      out.push(v);
    }
  }
  return out.length === count ? out : undefined;
}

/** The binary bytes of each input that has `parameters.binary_data_size`, in order. */
function binaryChunks(inputs: Record<string, unknown>[], binary: Uint8Array): (Uint8Array | undefined)[] {
  let at = 0;
  const chunks = inputs.map((input, i) => {
    const size = isObject(input.parameters) ? input.parameters.binary_data_size : undefined;
    if (size === undefined) return undefined;
    if (!(typeof size === "number" && Number.isInteger(size) && size >= 0)) {
      throw bad(`inputs[${i}].parameters.binary_data_size must be a byte count`);
    }
    const chunk = binary.subarray(at, at + size);
    at += size;
    return chunk;
  });
  if (at !== binary.length) {
    throw bad(
      `the binary part has ${binary.length} bytes but the inputs' binary_data_size add up to ${at}; ` +
        "send Inference-Header-Content-Length and one binary_data_size per binary input",
    );
  }
  return chunks;
}

function readOutputs(json: Record<string, unknown>): ParsedInfer["outputs"] {
  const params = json.parameters;
  if (params !== undefined && !isObject(params)) throw bad("`parameters` must be an object");
  const allBinary = params?.binary_data_output === true;
  if (json.outputs === undefined) return OUTPUT_NAMES.map((name) => ({ name, binary: allBinary }));
  if (!Array.isArray(json.outputs)) throw bad('`outputs` must be an array of {"name": ...}');
  return json.outputs.map((o, i) => {
    if (!isObject(o) || typeof o.name !== "string") throw bad(`outputs[${i}] must be {"name": "<output>"}`);
    if (!(OUTPUT_NAMES as readonly string[]).includes(o.name)) {
      throw bad(`outputs[${i}]: unknown output ${JSON.stringify(o.name.slice(0, 64))}; choose from ${OUTPUT_NAMES}`);
    }
    const own = isObject(o.parameters) ? o.parameters.binary_data : undefined;
    return { name: o.name as OutputName, binary: typeof own === "boolean" ? own : allBinary };
  });
}

function readShape(input: Record<string, unknown>, where: string): number[] {
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.some((d) => !(typeof d === "number" && Number.isInteger(d) && d >= 0))) {
    throw bad(`${where}.shape must be an array of non-negative integers`);
  }
  return shape as number[];
}

function imagesInput(
  input: Record<string, unknown>,
  chunk: Uint8Array | undefined,
  limits: InferLimits,
): ParsedInfer["input"] {
  const where = "inputs[0] (image)";
  if (input.datatype !== IMAGE_INPUT.datatype) {
    throw bad(
      `${where} has datatype ${JSON.stringify(input.datatype)}; send encoded images as BYTES ` +
        `(or the preprocessed tensor as FP32 input "${TENSOR_INPUT.name}")`,
    );
  }
  const shape = readShape(input, where);
  const n = shape[0];
  if (!((shape.length === 1 || (shape.length === 2 && shape[1] === 1)) && n > 0)) {
    throw bad(`${where}.shape is [${shape}]; send [n] (or [n, 1]) with n ≥ 1 images`);
  }
  tooMany(n, limits.maxImages);
  let elements: Uint8Array[];
  if (chunk) {
    elements = readBytesElements(chunk, n, where);
  } else {
    const data = Array.isArray(input.data) ? flatten(input.data, n) : undefined;
    if (!data || data.some((d) => typeof d !== "string")) {
      throw bad(`${where}.data must hold ${n} base64 strings (one per image, as the shape says)`);
    }
    elements = (data as string[]).map((d, i) =>
      decodeBase64(d, { maxBytes: limits.maxImageBytes, what: `${where}.data[${i}]` }).bytes
    );
  }
  return { kind: "images", images: elements.map((bytes) => ({ bytes, format: pickFormat(bytes, undefined) })) };
}

function tensorInput(
  input: Record<string, unknown>,
  chunk: Uint8Array | undefined,
  limits: InferLimits,
): ParsedInfer["input"] {
  const where = "inputs[0] (input)";
  const s = limits.size;
  if (input.datatype !== TENSOR_INPUT.datatype) {
    throw bad(`${where} has datatype ${JSON.stringify(input.datatype)}; send the preprocessed tensor as FP32`);
  }
  const shape = readShape(input, where);
  const n = shape[0];
  if (!(shape.length === 4 && n > 0 && shape[1] === 3 && shape[2] === s && shape[3] === s)) {
    throw bad(
      `${where}.shape is [${shape}]; this model takes [n, 3, ${s}, ${s}] (NCHW, the card's preprocessing; n ≥ 1)`,
    );
  }
  tooMany(n, limits.maxImages);
  const count = n * 3 * s * s;
  let values: Float32Array;
  if (chunk) {
    values = binaryToFloat32(chunk, count, where);
  } else {
    const data = Array.isArray(input.data) ? flatten(input.data, count) : undefined;
    if (!data) throw bad(`${where}.data must hold ${count} numbers (${n}×3×${s}×${s}, as the shape says)`);
    values = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const v = data[i];
      if (typeof v !== "number") throw bad(`${where}.data[${i}] is not a number`);
      values[i] = v;
    }
  }
  // NaN or ±Infinity (binary data, or a JSON number past float32's range) would make a NaN score
  const i = values.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) {
    throw bad(`${where}.data[${i}] is ${values[i]} as float32; send finite values (the card's preprocessing)`);
  }
  return { kind: "tensor", n, data: values };
}

function tooMany(n: number, max: number): void {
  if (n > max) {
    throw new ApiError(
      413,
      "too_many_images",
      `${n} images in one request; at most ${max} are accepted, split them into several requests`,
    );
  }
}

/**
 * Reads an `infer` request (the parsed JSON header and the binary part after it, empty without
 * the binary extension). 400 `invalid_body` for a request this model cannot take (the message
 * says what to send), `invalid_base64` for a `BYTES` element that is not base64, 413
 * `too_many_images` past `limits.maxImages`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const limits = { size: 2, maxImages: 4, maxImageBytes: 1000 };
 * const tensor = parseInferRequest({
 *   id: "7",
 *   inputs: [{ name: "input", datatype: "FP32", shape: [1, 3, 2, 2], data: Array(12).fill(0.5) }],
 *   outputs: [{ name: "scores" }],
 * }, new Uint8Array(), limits);
 * assert.deepEqual([tensor.id, tensor.input.kind, tensor.outputs], ["7", "tensor", [{ name: "scores", binary: false }]]);
 * const images = parseInferRequest({
 *   inputs: [{ name: "image", datatype: "BYTES", shape: [1], data: ["iVBORw0KGgo="] }],
 *   parameters: { binary_data_output: true },
 * }, new Uint8Array(), limits);
 * assert.equal(images.input.kind === "images" && images.input.images[0].format, "png");
 * assert.ok(images.outputs.every((o) => o.binary));
 * assert.throws(
 *   () => parseInferRequest({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 3, 4, 4], data: [] }] }, new Uint8Array(), limits),
 *   /\[n, 3, 2, 2\]/,
 * );
 * ```
 */
export function parseInferRequest(json: unknown, binary: Uint8Array, limits: InferLimits): ParsedInfer {
  if (!isObject(json)) throw bad(`the request must be a JSON object with "inputs"; ${USAGE}`);
  if (json.id !== undefined && typeof json.id !== "string") throw bad("`id` must be a string");
  if (!Array.isArray(json.inputs) || json.inputs.length !== 1 || !isObject(json.inputs[0])) {
    throw bad(`"inputs" must hold exactly one input; ${USAGE}`);
  }
  const inputs = json.inputs as Record<string, unknown>[];
  const [chunk] = binaryChunks(inputs, binary);
  const [input] = inputs;
  if (!chunk && input.data === undefined) {
    throw bad("inputs[0] has no data; send `data`, or parameters.binary_data_size with the binary data extension");
  }
  const outputs = readOutputs(json);
  const parsed = input.name === IMAGE_INPUT.name
    ? imagesInput(input, chunk, limits)
    : input.name === TENSOR_INPUT.name
    ? tensorInput(input, chunk, limits)
    : undefined;
  if (!parsed) {
    throw bad(
      `unknown input ${JSON.stringify(String(input.name).slice(0, 64))}; this model takes "${IMAGE_INPUT.name}" ` +
        `(BYTES, encoded images) or "${TENSOR_INPUT.name}" (FP32, preprocessed); ${USAGE}`,
    );
  }
  return { ...(json.id !== undefined ? { id: json.id as string } : {}), input: parsed, outputs };
}

/**
 * The output tensors for `answers` (one per image), in the order `outputs` asks. `scores` is
 * FP32 [n, 2] (p(all), p(normal)) — its JSON data are the same numbers `/v1/predict` returns,
 * its binary data those numbers as float32 —, `label` and `decision` BYTES [n], `reasons`
 * BYTES [n] (each a JSON array of the out-of-domain reasons, `[]` for none). A binary output has
 * `parameters.binary_data_size` instead of `data`; its bytes are returned in `binary`, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const answer = { label: "all" as const, scores: { all: 0.75, normal: 0.25 }, decision: "all" as const };
 * const { tensors, binary } = encodeOutputs([answer], [{ name: "scores", binary: false }, { name: "label", binary: true }]);
 * assert.deepEqual(tensors[0], { name: "scores", datatype: "FP32", shape: [1, 2], data: [0.75, 0.25] });
 * assert.deepEqual(tensors[1], { name: "label", datatype: "BYTES", shape: [1], parameters: { binary_data_size: 7 } });
 * assert.deepEqual([...binary[0]], [3, 0, 0, 0, 97, 108, 108]);
 * ```
 */
export function encodeOutputs(
  answers: readonly Answer[],
  outputs: ParsedInfer["outputs"],
): { tensors: OipTensor[]; binary: Uint8Array[] } {
  const n = answers.length;
  const tensors: OipTensor[] = [];
  const binary: Uint8Array[] = [];
  for (const { name, binary: asBinary } of outputs) {
    let tensor: OipTensor;
    let bytes: () => Uint8Array;
    if (name === "scores") {
      const data = answers.flatMap((a) => [a.scores.all, a.scores.normal]);
      tensor = { name, datatype: "FP32", shape: [n, 2], data };
      bytes = () => float32ToBinary(data);
    } else {
      const data = answers.map((a) =>
        name === "label" ? a.label : name === "decision" ? a.decision : JSON.stringify(a.reasons ?? [])
      );
      tensor = { name, datatype: "BYTES", shape: [n], data };
      bytes = () => bytesToBinary(data);
    }
    if (asBinary) {
      const b = bytes();
      binary.push(b);
      delete tensor.data;
      tensor.parameters = { binary_data_size: b.length };
    }
    tensors.push(tensor);
  }
  return { tensors, binary };
}
