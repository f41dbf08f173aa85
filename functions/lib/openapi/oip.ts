/**
 * The Open Inference Protocol v2 part of the OpenAPI document (KServe's and Triton's REST API:
 * https://github.com/kserve/open-inference-protocol, `open_inference_rest.yaml`): health, server
 * and model metadata, model readiness, `infer` with JSON tensors or the binary data extension, and
 * the model listing (`GET /v2/models`, an extension). Errors are the protocol's `{"error": "..."}`.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { Schema } from "./card_schema.ts";

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ "application/json": { schema } });
const oipErr = (description: string) => ({ description, content: json(ref("OipError")) });

const nameParam = {
  name: "name",
  in: "path",
  required: true,
  description: "the model's name: its card's `id` (GET /v2/models lists it)",
  schema: { type: "string" },
};
const versionParam = {
  name: "version",
  in: "path",
  required: true,
  description: "the model's version: its card's `version`",
  schema: { type: "string" },
};

/** What every `/v2` route but the health probes can answer besides its own statuses (as `/v1`). */
const common = {
  "401": oipErr("API_KEYS is set and the bearer key is missing or wrong"),
  "429": {
    ...oipErr("too many requests from this key or address (RATE_LIMIT_RPS), or too many failed authentications"),
    headers: { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } },
  },
  "500": oipErr("an unexpected server error (details only in the server log)"),
};

const modelErrors = {
  "404": oipErr("no model with that name (or version) is served: GET /v2/models lists the model"),
  ...common,
};

const tags = ["oip"];

/**
 * The `/v2` paths, with the configured limits in the descriptions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const paths = oipPaths({ maxBodyBytes: 1024, maxBatch: 4 });
 * assert.equal(paths["/v2/models/{name}/infer"].post.operationId, "oipInfer");
 * assert.ok(paths["/v2/health/ready"].get.responses["503"]);
 * ```
 */
export function oipPaths(config: Pick<Config, "maxBodyBytes" | "maxBatch">) {
  const infer = (versioned: boolean) => ({
    operationId: versioned ? "oipInferVersion" : "oipInfer",
    tags,
    summary: "Inference: classify images (BYTES `image`, JSON base64 or binary data) or preprocessed FP32 `input`",
    description: "One input: `image` (datatype BYTES, shape [n]: the encoded image files, as base64 strings in " +
      "`data` or as binary data after the JSON header), or `input` (FP32, shape [n, 3, size, size]: the tensor " +
      "the card's `preprocess` makes). Outputs: `scores` (FP32 [n, 2]: p(all), p(normal)), `label`, `decision` " +
      "and `reasons` (BYTES [n]; reasons: a JSON array of out-of-domain reasons per image); `outputs` in the " +
      "request picks some, `parameters.binary_data` on one (or `binary_data_output` on the request) returns it " +
      "as binary data. Same pipeline, key, limits and audit trail as /v1 " +
      `(body ≤ ${config.maxBodyBytes} bytes, at most ${config.maxBatch} images per request); ` +
      "`parameters.request_id` of the response is the id feedback refers to.",
    requestBody: {
      required: true,
      content: {
        ...json(ref("OipInferenceRequest")),
        "application/octet-stream": {
          schema: {
            type: "string",
            contentMediaType: "application/octet-stream",
            description: "binary data extension: the JSON inference request (its length in the " +
              "Inference-Header-Content-Length header), then each input's bytes in order (`parameters." +
              "binary_data_size` on the input gives their length; for `image`, the encoded image files, each " +
              "preceded by its 4-byte little-endian length as Triton's BYTES tensors are: one image may come " +
              "without it; for `input`, little-endian float32)",
          },
        },
      },
    },
    parameters: [...(versioned ? [nameParam, versionParam] : [nameParam]), {
      name: "Inference-Header-Content-Length",
      in: "header",
      required: false,
      description: "binary data extension: the length of the JSON part of an application/octet-stream body",
      schema: { type: "integer", minimum: 1 },
    }],
    responses: {
      "200": {
        description: "the outputs: JSON, or (when an output was asked as binary data) the JSON response whose " +
          "length is in Inference-Header-Content-Length followed by the binary outputs",
        headers: {
          "Inference-Header-Content-Length": {
            description: "binary answers: the length of the JSON part",
            schema: { type: "integer" },
          },
          "Cache-Control": { description: "always `no-store`", schema: { type: "string", const: "no-store" } },
        },
        content: {
          ...json(ref("OipInferenceResponse")),
          "application/octet-stream": {
            schema: { type: "string", contentMediaType: "application/octet-stream" },
          },
        },
      },
      "400": oipErr("the request is not a valid inference request (shape, datatype, base64, image) for this model"),
      ...modelErrors,
      "408": oipErr("the body did not arrive within BODY_TIMEOUT_MS"),
      "413": oipErr("the body or the batch is over the limit"),
      "415": oipErr("send application/json (or application/octet-stream with Inference-Header-Content-Length)"),
      "422": oipErr("an image has too many pixels, is too small, or asks for too much decoding work"),
      "503": oipErr("the model is not loaded yet, the request ran over its time budget, or the server is stopping"),
    },
  });
  const metadata = (versioned: boolean) => ({
    operationId: versioned ? "oipModelVersionMetadata" : "oipModelMetadata",
    tags,
    summary: "Model metadata: name, versions, platform, inputs and outputs",
    parameters: versioned ? [nameParam, versionParam] : [nameParam],
    responses: {
      "200": { description: "the model's metadata", content: json(ref("OipModelMetadata")) },
      ...modelErrors,
      "503": oipErr("the model is not loaded yet"),
    },
  });
  const modelReady = (versioned: boolean) => ({
    operationId: versioned ? "oipModelVersionReady" : "oipModelReady",
    tags,
    summary: "Model readiness: 200 when the model can infer",
    parameters: versioned ? [nameParam, versionParam] : [nameParam],
    responses: {
      "200": { description: "ready", content: json(ref("OipModelReady")) },
      ...modelErrors,
      "503": oipErr("the model is not loaded yet"),
    },
  });
  return {
    "/v2/health/live": {
      get: {
        operationId: "oipServerLive",
        tags,
        summary: "Server liveness (no key needed, never rate limited)",
        security: [],
        responses: {
          "200": { description: "live", content: json(ref("OipServerLive")) },
          "500": common["500"],
        },
      },
    },
    "/v2/health/ready": {
      get: {
        operationId: "oipServerReady",
        tags,
        summary: "Server readiness: 200 once the model is loaded (no key needed, never rate limited)",
        security: [],
        responses: {
          "200": { description: "ready", content: json(ref("OipServerReady")) },
          "503": oipErr("not ready: the model is still loading"),
          "500": common["500"],
        },
      },
    },
    "/v2": {
      get: {
        operationId: "oipServerMetadata",
        tags,
        summary: "Server metadata: name, version, extensions",
        responses: { "200": { description: "metadata", content: json(ref("OipServerMetadata")) }, ...common },
      },
    },
    "/v2/models": {
      get: {
        operationId: "oipModels",
        tags,
        summary: "The models this server holds (an extension: not in the protocol's core)",
        responses: {
          "200": { description: "the models", content: json(ref("OipModelList")) },
          "503": oipErr("the model is not loaded yet"),
          ...common,
        },
      },
    },
    "/v2/models/{name}": { get: metadata(false) },
    "/v2/models/{name}/versions/{version}": { get: metadata(true) },
    "/v2/models/{name}/ready": { get: modelReady(false) },
    "/v2/models/{name}/versions/{version}/ready": { get: modelReady(true) },
    "/v2/models/{name}/infer": { post: infer(false) },
    "/v2/models/{name}/versions/{version}/infer": { post: infer(true) },
  };
}

const parameters = {
  type: "object",
  description: "key/value parameters (e.g. `binary_data_size` of the binary data extension)",
  additionalProperties: { type: ["string", "number", "boolean"] },
};
const tensorMeta = {
  type: "object",
  required: ["name", "datatype", "shape"],
  properties: {
    name: { type: "string" },
    datatype: { type: "string", description: "BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64 or BYTES" },
    shape: { type: "array", items: { type: "integer" }, description: "variable-size dimensions are -1" },
    parameters: { $ref: "#/components/schemas/OipParameters" },
  },
};

/**
 * The protocol's schemas, keyed by component name (`Oip…`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(oipSchemas().OipInferenceResponse.required, ["model_name", "outputs"]);
 * ```
 */
export function oipSchemas() {
  return {
    OipError: {
      type: "object",
      required: ["error"],
      properties: { error: { type: "string", description: "what went wrong" } },
    },
    OipServerLive: { type: "object", required: ["live"], properties: { live: { type: "boolean" } } },
    OipServerReady: { type: "object", required: ["ready"], properties: { ready: { type: "boolean" } } },
    OipModelReady: {
      type: "object",
      required: ["name", "ready"],
      properties: { name: { type: "string" }, ready: { type: "boolean" } },
    },
    OipServerMetadata: {
      type: "object",
      required: ["name", "version", "extensions"],
      properties: {
        name: { type: "string" },
        version: { type: "string" },
        extensions: { type: "array", items: { type: "string" } },
      },
    },
    OipParameters: parameters,
    OipTensorMetadata: tensorMeta,
    OipModelMetadata: {
      type: "object",
      required: ["name", "platform", "inputs", "outputs"],
      properties: {
        name: { type: "string" },
        versions: { type: "array", items: { type: "string" } },
        platform: { type: "string", description: "`onnx`" },
        inputs: { type: "array", items: ref("OipTensorMetadata") },
        outputs: { type: "array", items: ref("OipTensorMetadata") },
        parameters: ref("OipParameters"),
      },
    },
    OipModelList: {
      type: "object",
      required: ["models"],
      properties: {
        models: {
          type: "array",
          items: {
            type: "object",
            required: ["name", "versions", "platform"],
            properties: {
              name: { type: "string" },
              versions: { type: "array", items: { type: "string" } },
              platform: { type: "string" },
              ready: { type: "boolean" },
            },
          },
        },
      },
    },
    OipTensorData: {
      type: "array",
      description: "the tensor's elements, flat in row-major order (nested arrays are allowed: the protocol's " +
        "tensor_data is recursive, written here without the recursion that generated clients cannot type)",
      items: {
        anyOf: [{ type: "number" }, { type: "string" }, { type: "boolean" }, { type: "array", items: {} }],
      },
    },
    OipRequestInput: {
      type: "object",
      required: ["name", "shape", "datatype"],
      properties: {
        name: { type: "string", description: "`image` (BYTES) or `input` (FP32)" },
        shape: { type: "array", items: { type: "integer" } },
        datatype: { type: "string" },
        parameters: ref("OipParameters"),
        data: { ...ref("OipTensorData"), description: "absent when the input is sent as binary data" },
      },
    },
    OipRequestOutput: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string" }, parameters: ref("OipParameters") },
    },
    OipInferenceRequest: {
      type: "object",
      required: ["inputs"],
      properties: {
        id: { type: "string", description: "echoed in the response" },
        parameters: ref("OipParameters"),
        inputs: { type: "array", items: ref("OipRequestInput") },
        outputs: { type: "array", items: ref("OipRequestOutput") },
      },
    },
    OipResponseOutput: {
      type: "object",
      required: ["name", "shape", "datatype"],
      properties: {
        name: { type: "string" },
        shape: { type: "array", items: { type: "integer" } },
        datatype: { type: "string" },
        parameters: ref("OipParameters"),
        data: { ...ref("OipTensorData"), description: "absent when the output is sent as binary data" },
      },
    },
    OipInferenceResponse: {
      type: "object",
      required: ["model_name", "outputs"],
      properties: {
        model_name: { type: "string" },
        model_version: { type: "string" },
        id: { type: "string" },
        parameters: ref("OipParameters"),
        outputs: { type: "array", items: ref("OipResponseOutput") },
      },
    },
  };
}
