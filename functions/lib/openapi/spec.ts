/**
 * OpenAPI 3.1 description of the service (served at `/openapi.json`, rendered at `/docs`).
 *
 * @module
 */
import type { Config } from "../config.ts";

const err = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const imageBody = (batch: boolean) => ({
  required: true,
  content: {
    ...(batch ? {} : Object.fromEntries(
      ["image/bmp", "image/png", "image/jpeg", "image/tiff", "application/octet-stream"].map((t) => [
        t,
        {
          schema: {
            type: "string",
            contentMediaType: t,
            description: "the image file's bytes (octet-stream: format sniffed)",
          },
        },
      ]),
    )),
    "multipart/form-data": {
      schema: {
        type: "object",
        required: ["image"],
        properties: {
          image: batch
            ? { type: "array", items: { type: "string", contentMediaType: "application/octet-stream" } }
            : { type: "string", contentMediaType: "application/octet-stream" },
        },
      },
    },
  },
});

/** Headers on every answer. */
const idHeaders = {
  "X-Request-Id": {
    description:
      "the id the server issued for this request (a UUID): `requestId` of the answer and of its audit record",
    schema: { type: "string", format: "uuid" },
  },
  "X-Client-Request-Id": {
    description: "the client's own X-Request-Id, echoed when it was well formed (never the audit key)",
    schema: { type: "string", maxLength: 128 },
  },
};

/** Headers on answers that carry predictions or reviewer labels (never to be cached). */
const privateHeaders = {
  ...idHeaders,
  "Cache-Control": { description: "always `no-store`", schema: { type: "string", const: "no-store" } },
};

/** The optional client correlation id every operation accepts. */
const clientIdParameter = {
  name: "X-Request-Id",
  in: "header",
  required: false,
  description:
    "your own correlation id (1–128 of `A-Z a-z 0-9 . _ ~ : / + = @ -`; anything else is ignored): logged and kept " +
    "in the audit record as `clientRequestId` and echoed as X-Client-Request-Id. It is not the request's id: " +
    "the server issues that (`requestId`, X-Request-Id), and feedback refers to it.",
  schema: { type: "string", maxLength: 128 },
};

const inputErrors = {
  "400": err("corrupt_image, empty_body, missing_image_field or malformed_multipart"),
  "401": err("unauthorized: API_KEYS is set and the bearer key is missing or wrong"),
  "408": err("request_timeout: the body did not arrive within BODY_TIMEOUT_MS (answered with Connection: close)"),
  "413": err("body_too_large (MAX_BODY_BYTES) or too_many_images"),
  "415": err("unsupported_media_type or unsupported_image"),
  "422": err(
    "too_many_pixels (MAX_PIXELS, from the header), too_small, or too_much_work (the file asks for far more decoding work than its size needs)",
  ),
  "429": {
    ...err(
      "rate_limited: RATE_LIMIT_RPS/RATE_LIMIT_BURST exceeded for this key or client address, or too many failed " +
        "authentications from this address (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_S; every request from it " +
        "is refused until Retry-After, right key or not)",
    ),
    headers: { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } },
  },
  "503": err(
    "not_ready (model not loaded), timeout (decode + inference over REQUEST_BUDGET_MS: the server is busy, retry) or shutting_down (also an upload cut off by the server stopping)",
  ),
};

const feedbackErrors = {
  "401": inputErrors["401"],
  "429": inputErrors["429"],
  "503": err("store_unavailable: the feedback store could not be opened, or shutting_down"),
};

/**
 * The OpenAPI document, with the configured limits in the descriptions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "../config.ts";
 * assert.equal(openApiSpec(loadConfig({})).paths["/v1/predict"].post.operationId, "predict");
 * ```
 */
export function openApiSpec(config: Pick<Config, "maxBodyBytes" | "maxPixels" | "maxBatch" | "apiKeys">) {
  const limits = `Limits: body ≤ ${config.maxBodyBytes} bytes, width×height ≤ ${config.maxPixels} pixels.`;
  return {
    openapi: "3.1.0",
    info: {
      title: "ALL screening service",
      version: "1.0.0",
      description: "Screens blood-smear cell images for acute lymphoblastic leukemia (`all`) vs `normal`. " +
        "A decision of `review` means a person must look (score in the model's review band, or the image " +
        "does not look like the training data). Screening aid only, not a diagnosis. " + limits +
        " Every answer carries X-Request-Id, the id the server issued for the request; a method name this " +
        "server does not implement is answered 501 `method_not_implemented`, another method a path does not " +
        "take 405 `method_not_allowed` with `Allow`.",
    },
    ...(config.apiKeys.length > 0 ? { security: [{ bearer: [] }] } : {}),
    paths: {
      "/v1/predict": {
        post: {
          operationId: "predict",
          summary: "Classify one image",
          parameters: [clientIdParameter],
          requestBody: imageBody(false),
          responses: {
            "200": {
              description: "prediction",
              headers: privateHeaders,
              content: { "application/json": { schema: { $ref: "#/components/schemas/Prediction" } } },
            },
            ...inputErrors,
          },
        },
      },
      "/v1/predict/batch": {
        post: {
          operationId: "predictBatch",
          summary: `Classify several images (multipart, up to ${config.maxBatch} \`image\` parts)`,
          parameters: [clientIdParameter],
          requestBody: imageBody(true),
          responses: {
            "200": {
              description: "one result per image part, in order: a prediction or an error",
              headers: privateHeaders,
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["results", "requestId"],
                    properties: {
                      results: {
                        type: "array",
                        items: {
                          oneOf: [
                            { $ref: "#/components/schemas/Prediction" },
                            {
                              type: "object",
                              required: ["error"],
                              properties: { error: { $ref: "#/components/schemas/ErrorDetail" } },
                            },
                          ],
                        },
                      },
                      requestId: {
                        type: "string",
                        format: "uuid",
                        description: "issued by the server; with input.sha256 it names one image's audit record",
                      },
                    },
                  },
                },
              },
            },
            ...inputErrors,
          },
        },
      },
      "/v1/explain": {
        post: {
          operationId: "explain",
          summary: "Classify one image and return a class-activation heatmap",
          parameters: [clientIdParameter],
          requestBody: imageBody(false),
          responses: {
            "200": {
              description: "prediction plus heatmap",
              headers: privateHeaders,
              content: {
                "application/json": {
                  schema: {
                    allOf: [
                      { $ref: "#/components/schemas/Prediction" },
                      {
                        type: "object",
                        required: ["heatmap"],
                        properties: {
                          heatmap: {
                            type: "string",
                            description:
                              "data:image/png;base64 URL, RGBA, the input's width and height, jet colours, alpha grows with evidence for `all`",
                          },
                        },
                      },
                    ],
                  },
                },
              },
            },
            ...inputErrors,
            "501": err("explain_unavailable: the model has no class-activation output"),
          },
        },
      },
      "/v1/feedback": {
        post: {
          operationId: "postFeedback",
          summary: "Record a reviewer's label for a prediction this service made (matched by requestId or input hash)",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/FeedbackInput" } } },
          },
          parameters: [clientIdParameter],
          responses: {
            "201": {
              description: "stored (answered only after the write is committed)",
              headers: privateHeaders,
              content: { "application/json": { schema: { $ref: "#/components/schemas/Feedback" } } },
            },
            "400": err("invalid_feedback or empty_body"),
            "408": inputErrors["408"],
            "404": err("prediction_not_found: no prediction with that requestId / inputSha256 is on record"),
            "413": err("body_too_large (16 KiB)"),
            "415": err("unsupported_media_type: send application/json"),
            ...feedbackErrors,
          },
        },
        get: {
          operationId: "exportFeedback",
          summary: "Export feedback (with the predictions it is about) as NDJSON, oldest first, for retraining",
          parameters: [{
            name: "since",
            in: "query",
            required: false,
            description: "only records at or after this ISO 8601 time",
            schema: { type: "string", format: "date-time" },
          }],
          responses: {
            "200": {
              description: "one Feedback JSON object per line",
              headers: privateHeaders,
              content: { "application/x-ndjson": { schema: { $ref: "#/components/schemas/Feedback" } } },
            },
            "400": err("invalid_feedback: `since` is not a date"),
            ...feedbackErrors,
          },
        },
      },
      "/v1/model": {
        get: {
          operationId: "model",
          summary: "The loaded model's card",
          responses: {
            "200": {
              description: "model card (JSON)",
              content: { "application/json": { schema: { type: "object" } } },
            },
            "503": inputErrors["503"],
          },
        },
      },
      "/healthz": {
        get: { operationId: "healthz", summary: "Liveness", responses: { "200": { description: "alive" } } },
      },
      "/readyz": {
        get: {
          operationId: "readyz",
          summary: "Readiness: 200 once the model is loaded",
          responses: { "200": { description: "ready" }, "503": inputErrors["503"] },
        },
      },
      "/metrics": {
        get: {
          operationId: "metrics",
          summary: "Prometheus metrics",
          responses: {
            "200": { description: "text exposition format", content: { "text/plain": { schema: { type: "string" } } } },
          },
        },
      },
      "/openapi.json": {
        get: { operationId: "openapi", summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } },
      },
      "/docs": {
        get: { operationId: "docs", summary: "This document as HTML", responses: { "200": { description: "HTML" } } },
      },
      "/": {
        get: { operationId: "ui", summary: "Web page to try an image", responses: { "200": { description: "HTML" } } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        ErrorDetail: {
          type: "object",
          required: ["code", "message"],
          properties: {
            code: {
              type: "string",
              enum: [
                "corrupt_image",
                "empty_body",
                "missing_image_field",
                "malformed_multipart",
                "body_too_large",
                "unsupported_media_type",
                "unsupported_image",
                "too_many_pixels",
                "too_small",
                "too_much_work",
                "too_many_images",
                "unauthorized",
                "request_timeout",
                "not_ready",
                "explain_unavailable",
                "not_found",
                "method_not_allowed",
                "method_not_implemented",
                "rate_limited",
                "timeout",
                "invalid_feedback",
                "prediction_not_found",
                "store_unavailable",
                "shutting_down",
                "internal_error",
              ],
            },
            message: { type: "string", description: "what went wrong and what to do" },
          },
        },
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: { $ref: "#/components/schemas/ErrorDetail" },
            requestId: { type: "string", description: "the id the server issued for the request (X-Request-Id)" },
          },
        },
        FeedbackInput: {
          type: "object",
          required: ["label"],
          additionalProperties: false,
          description: "give requestId or inputSha256 (both for a batch request)",
          properties: {
            requestId: {
              type: "string",
              maxLength: 255,
              description: "requestId of the prediction (the id the server issued, not your X-Request-Id)",
            },
            inputSha256: {
              type: "string",
              pattern: "^[0-9a-fA-F]{64}$",
              description: "input.sha256 of the prediction",
            },
            label: { type: "string", enum: ["all", "normal"], description: "the reviewer's label" },
            reviewer: { type: "string", maxLength: 200 },
            note: { type: "string", maxLength: 2000 },
          },
        },
        Feedback: {
          type: "object",
          required: ["id", "ts", "label", "prediction"],
          properties: {
            id: { type: "string", description: "<ISO time>_<random>, sorts by time" },
            ts: { type: "string", format: "date-time" },
            label: { type: "string", enum: ["all", "normal"] },
            reviewer: { type: "string" },
            note: { type: "string" },
            agrees: { type: "boolean", description: "POST answer only: the reviewer's label equals the model's" },
            prediction: {
              type: "object",
              description: "the prediction as the service made it (audit trail)",
              required: ["requestId", "index", "route", "inputSha256", "model", "label", "scores", "decision", "ts"],
              properties: {
                requestId: { type: "string", description: "the id the server issued for the request" },
                clientRequestId: { type: "string", description: "the client's X-Request-Id, when it sent one" },
                index: { type: "integer", description: "position in a batch request" },
                route: { type: "string" },
                inputSha256: { type: "string" },
                model: { type: "object" },
                label: { type: "string", enum: ["all", "normal"] },
                scores: { type: "object" },
                decision: { type: "string", enum: ["all", "normal", "review"] },
                ts: { type: "string", format: "date-time" },
              },
            },
          },
        },
        Prediction: {
          type: "object",
          required: ["label", "scores", "decision", "model", "input", "timings"],
          properties: {
            label: { type: "string", enum: ["all", "normal"] },
            scores: {
              type: "object",
              required: ["all", "normal"],
              properties: {
                all: { type: "number", description: "calibrated p(all) = sigmoid(logit / temperature)" },
                normal: { type: "number" },
              },
            },
            decision: { type: "string", enum: ["all", "normal", "review"] },
            reasons: {
              type: "array",
              items: { type: "string" },
              description: "why the input is out of domain (decision review)",
            },
            subtype: {
              type: "object",
              additionalProperties: { type: "number" },
              description: "subtype name → softmax score, when the model has a subtype head",
            },
            model: {
              type: "object",
              required: ["id", "version", "sha256"],
              properties: { id: { type: "string" }, version: { type: "string" }, sha256: { type: "string" } },
            },
            input: {
              type: "object",
              required: ["format", "width", "height", "sha256"],
              properties: {
                format: { type: "string", enum: ["bmp", "png", "jpeg", "tiff"] },
                width: { type: "integer" },
                height: { type: "integer" },
                sha256: { type: "string", description: "SHA-256 of the uploaded file's bytes" },
              },
            },
            timings: {
              type: "object",
              required: ["decodeMs", "preprocessMs", "inferenceMs", "totalMs"],
              properties: {
                decodeMs: { type: "number" },
                preprocessMs: { type: "number" },
                inferenceMs: { type: "number" },
                totalMs: { type: "number" },
              },
            },
            requestId: {
              type: "string",
              format: "uuid",
              description: "the id the server issued for the request (also X-Request-Id); feedback refers to it",
            },
          },
        },
      },
    },
  };
}
