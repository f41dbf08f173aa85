/**
 * The Open Inference Protocol's binary tensor data extension (KServe / Triton): a body is a JSON
 * header of `Inference-Header-Content-Length` bytes followed by the tensors' raw bytes, in the
 * order of the inputs (or outputs) whose `parameters.binary_data_size` says how many bytes each
 * takes. Numbers are little-endian; a `BYTES` tensor is its elements one after another, each a
 * 4-byte little-endian length and then its bytes.
 *
 * @module
 */
import { ApiError } from "../http/errors.ts";

/** The header that gives the JSON part's length in a binary-extension body. */
export const HEADER_LENGTH = "Inference-Header-Content-Length";

/**
 * Splits a body into its JSON header and binary part. Without the header (`headerLength` null)
 * the whole body is JSON. 400 `invalid_body` when the header is not a byte count within the body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const body = new Uint8Array([123, 125, 1, 2, 3]); // "{}" then 3 bytes
 * const { json, binary } = splitBinaryBody(body, "2");
 * assert.deepEqual([json.length, [...binary]], [2, [1, 2, 3]]);
 * assert.equal(splitBinaryBody(body, null).binary.length, 0);
 * assert.throws(() => splitBinaryBody(body, "9"), /Inference-Header-Content-Length/);
 * ```
 */
export function splitBinaryBody(body: Uint8Array, headerLength: string | null): {
  json: Uint8Array;
  binary: Uint8Array;
} {
  if (headerLength === null) return { json: body, binary: body.subarray(body.length) };
  const n = /^\s*\d{1,15}\s*$/.test(headerLength) ? Number(headerLength) : NaN;
  if (!(n > 0 && n <= body.length)) {
    throw new ApiError(
      400,
      "invalid_body",
      `${HEADER_LENGTH} is ${
        JSON.stringify(headerLength.slice(0, 32))
      } but the body has ${body.length} bytes; send the JSON header's length in bytes, then the JSON, then the tensors' bytes`,
    );
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

/**
 * The elements of a binary `BYTES` tensor of `n` elements (`where` names it in messages). One
 * raw encoded image is also accepted as a one-element tensor without the 4-byte length (a body
 * whose first four bytes are not its own remaining length: no image signature is), so `curl
 * --data-binary @cell.png` works.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const framed = new Uint8Array([2, 0, 0, 0, 7, 8, 1, 0, 0, 0, 9]); // [7, 8] and [9]
 * assert.deepEqual(readBytesElements(framed, 2, "image").map((e) => [...e]), [[7, 8], [9]]);
 * const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]);
 * assert.deepEqual(readBytesElements(png, 1, "image")[0], png); // raw, unframed
 * assert.throws(() => readBytesElements(framed, 3, "image"), /3 elements/);
 * ```
 */
export function readBytesElements(chunk: Uint8Array, n: number, where: string): Uint8Array[] {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (n === 1 && (chunk.length < 4 || view.getUint32(0, true) !== chunk.length - 4)) return [chunk];
  const out: Uint8Array[] = [];
  let at = 0;
  while (out.length < n && at + 4 <= chunk.length) {
    const len = view.getUint32(at, true);
    if (at + 4 + len > chunk.length) break;
    out.push(chunk.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  if (out.length !== n || at !== chunk.length) {
    throw new ApiError(
      400,
      "invalid_body",
      `${where}: its ${chunk.length} binary bytes do not hold ${n} elements of a BYTES tensor (each a 4-byte little-endian length, then the bytes); check the shape and binary_data_size`,
    );
  }
  return out;
}

/**
 * A `BYTES` tensor's binary form: each element's 4-byte little-endian length, then its UTF-8 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...bytesToBinary(["all", ""])], [3, 0, 0, 0, 97, 108, 108, 0, 0, 0, 0]);
 * ```
 */
export function bytesToBinary(elements: readonly string[]): Uint8Array {
  const encoded = elements.map((e) => new TextEncoder().encode(e));
  const out = new Uint8Array(encoded.reduce((a, e) => a + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of encoded) {
    view.setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

/**
 * An `FP32` tensor's binary form (little-endian float32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...float32ToBinary([1, 0.5])], [0, 0, 0x80, 0x3f, 0, 0, 0, 0x3f]);
 * ```
 */
export function float32ToBinary(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/**
 * Reads little-endian float32 values (`chunk.length` must be 4 × `count`; `where` names the input).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...binaryToFloat32(new Uint8Array([0, 0, 0x80, 0x3f]), 1, "input")], [1]);
 * assert.throws(() => binaryToFloat32(new Uint8Array(3), 1, "input"), /4 bytes/);
 * ```
 */
export function binaryToFloat32(chunk: Uint8Array, count: number, where: string): Float32Array {
  if (chunk.length !== count * 4) {
    throw new ApiError(
      400,
      "invalid_body",
      `${where}: ${chunk.length} binary bytes for ${count} FP32 values; send 4 bytes (little-endian float32) per value`,
    );
  }
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * A binary-extension body: the JSON header, then `chunks` in order; `headerLength` goes in the
 * `Inference-Header-Content-Length` response header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { body, headerLength } = joinBinaryBody({ outputs: [] }, [new Uint8Array([1, 2])]);
 * assert.equal(new TextDecoder().decode(body.subarray(0, headerLength)), '{"outputs":[]}');
 * assert.deepEqual([...body.subarray(headerLength)], [1, 2]);
 * ```
 */
export function joinBinaryBody(header: unknown, chunks: readonly Uint8Array[]): {
  body: Uint8Array<ArrayBuffer>;
  headerLength: number;
} {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(json.length + chunks.reduce((a, c) => a + c.length, 0));
  body.set(json);
  let at = json.length;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return { body, headerLength: json.length };
}
