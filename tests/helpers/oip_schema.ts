/**
 * The Open Inference Protocol v2 REST shapes as JSON Schemas, to check the service's `/v2`
 * answers against the published protocol (no OIP v2 client is published on npm: `kserve`,
 * `@kserve/client`, `tritonclient`, `triton-client` and `kserve-client` do not exist there).
 * Transcribed from `components.schemas` of the protocol's OpenAPI document,
 * https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/open_inference_rest.yaml
 * (`metadata_server_response`, `metadata_model_response`, `metadata_tensor`, `inference_request`,
 * `request_input`, `request_output`, `response_output`, `tensor_data`, `inference_response` and the
 * error responses), with the tensor datatypes of its `inference_rest.md` as an enum. Checked with
 * the small validator below (the keywords these schemas use: type, properties, required, items,
 * anyOf, enum, $ref).
 *
 * @module
 */

/** A JSON Schema (the subset {@link validate} understands). */
export interface Schema {
  type?: "object" | "array" | "string" | "number" | "integer" | "boolean";
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  $ref?: string;
}

/** The protocol's tensor datatypes (inference_rest.md, "Tensor Data Types"). */
export const OIP_DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
];

const parameters: Schema = { type: "object" };
const shape: Schema = { type: "array", items: { type: "integer" } };
const datatype: Schema = { type: "string", enum: OIP_DATATYPES };

/** The schemas, by the protocol's names. */
export const OIP_SCHEMAS: Record<string, Schema> = {
  metadata_server_response: {
    type: "object",
    properties: {
      name: { type: "string" },
      version: { type: "string" },
      extensions: { type: "array", items: { type: "string" } },
    },
    required: ["name", "version", "extensions"],
  },
  metadata_server_error_response: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
  metadata_model_response: {
    type: "object",
    properties: {
      name: { type: "string" },
      versions: { type: "array", items: { type: "string" } },
      platform: { type: "string" },
      inputs: { type: "array", items: { $ref: "metadata_tensor" } },
      outputs: { type: "array", items: { $ref: "metadata_tensor" } },
    },
    required: ["name", "platform"],
  },
  metadata_tensor: {
    type: "object",
    properties: { name: { type: "string" }, datatype, shape },
    required: ["name", "datatype", "shape"],
  },
  metadata_model_error_response: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
  inference_request: {
    type: "object",
    properties: {
      id: { type: "string" },
      parameters,
      inputs: { type: "array", items: { $ref: "request_input" } },
      outputs: { type: "array", items: { $ref: "request_output" } },
    },
    required: ["inputs"],
  },
  request_input: {
    type: "object",
    // `data` is required by the OpenAPI document; with the binary data extension an input has
    // parameters.binary_data_size instead (checked by the tests that send one)
    properties: { name: { type: "string" }, shape, datatype, parameters, data: { $ref: "tensor_data" } },
    required: ["name", "shape", "datatype"],
  },
  tensor_data: {
    type: "array",
    items: { anyOf: [{ $ref: "tensor_data" }, { type: "number" }, { type: "string" }, { type: "boolean" }] },
  },
  request_output: { type: "object", properties: { name: { type: "string" }, parameters }, required: ["name"] },
  response_output: {
    type: "object",
    properties: { name: { type: "string" }, shape, datatype, parameters, data: { $ref: "tensor_data" } },
    required: ["name", "shape", "datatype", "data"],
  },
  inference_response: {
    type: "object",
    properties: {
      model_name: { type: "string" },
      model_version: { type: "string" },
      id: { type: "string" },
      parameters,
      outputs: { type: "array", items: { $ref: "response_output" } },
    },
    required: ["model_name", "outputs"],
  },
  inference_error_response: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
};

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/**
 * The places where `value` breaks `schema` (a name in {@link OIP_SCHEMAS} or a schema); `[]` when
 * it conforms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(validate({ name: "s", version: "1", extensions: [] }, "metadata_server_response"), []);
 * assert.deepEqual(validate({ name: "s", extensions: [1] }, "metadata_server_response"), [
 *   "$: missing version",
 *   "$.extensions[0]: integer is not string",
 * ]);
 * ```
 */
export function validate(value: unknown, schema: string | Schema, at = "$"): string[] {
  const s = typeof schema === "string" ? OIP_SCHEMAS[schema] : schema;
  if (!s) throw new Error(`no schema ${schema}`);
  if (s.$ref) return validate(value, s.$ref, at);
  const errors: string[] = [];
  const t = typeOf(value);
  if (s.type && !(t === s.type || (s.type === "number" && t === "integer"))) return [`${at}: ${t} is not ${s.type}`];
  if (s.enum && !s.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${s.enum}`);
  if (s.anyOf && s.anyOf.every((alt) => validate(value, alt, at).length > 0)) {
    errors.push(`${at}: matches none of the alternatives`);
  }
  if (t === "object") {
    const o = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in o)) errors.push(`${at}: missing ${key}`);
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      if (key in o) errors.push(...validate(o[key], sub, `${at}.${key}`));
    }
  }
  if (t === "array" && s.items) {
    (value as unknown[]).forEach((item, i) => errors.push(...validate(item, s.items!, `${at}[${i}]`)));
  }
  return errors;
}
