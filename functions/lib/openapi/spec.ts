/**
 * OpenAPI 3.1 description of the service (served at `/openapi.json`, rendered at `/docs`): every
 * route's request and response bodies, and every status each route can answer with. The bodies'
 * schemas are in `schemas.ts` (the API), `card_schema.ts` (the model card) and `oip.ts` (the Open
 * Inference Protocol v2 routes). `tests/openapi_client_test.ts` generates TypeScript types from
 * this document and checks real answers of every route against them.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { modelCardSchemas, type Schema } from "./card_schema.ts";
import { apiSchemas } from "./schemas.ts";
import { oipPaths, oipSchemas } from "./oip.ts";

const json = (schema: Schema) => ({ "application/json": { schema } });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An error answer of the service (`Error`), with what it means on this route. */
const err = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: json(ref("Error")),
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

const IMAGE_TYPES = ["image/bmp", "image/png", "image/jpeg", "image/tiff", "application/octet-stream"];
const imagePart = { type: "string", contentMediaType: "application/octet-stream" };

/** The request body of the image routes: the image's bytes, multipart or base64 JSON. */
const imageBody = (batch: boolean, maxBatch: number) => ({
  required: true,
  content: {
    ...(batch ? {} : Object.fromEntries(
      IMAGE_TYPES.map((t) => [
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
            ? { type: "array", minItems: 1, maxItems: maxBatch, items: imagePart, description: "one file part each" }
            : { ...imagePart, description: "the image file (its filename is echoed in batch results)" },
        },
      },
      encoding: { image: { contentType: IMAGE_TYPES.join(", ") } },
    },
    "application/json": { schema: ref(batch ? "BatchJsonInput" : "ImageJsonInput") },
  },
});

const unauthorized = err("unauthorized: API_KEYS is set and the bearer key is missing or wrong", {
  "WWW-Authenticate": { description: 'Bearer realm="all-screen"', schema: { type: "string" } },
});
const rateLimited = err(
  "rate_limited: RATE_LIMIT_RPS/RATE_LIMIT_BURST exceeded for this key or client address, or too many failed " +
    "authentications from this address (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_S; every request from it " +
    "is refused until Retry-After, right key or not)",
  { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } },
);
const internal = err(
  "internal_error: an unexpected server error (details only in the server log): retry, and " +
    "report the requestId if it persists",
);
const requestTimeout = err(
  "request_timeout: the body did not arrive within BODY_TIMEOUT_MS (answered with Connection: close)",
);

/** What every `/v1` route can answer besides its own statuses. */
const v1Common = { "401": unauthorized, "429": rateLimited, "500": internal };

const inputErrors = {
  "400": err(
    "corrupt_image, empty_body, missing_image_field, malformed_multipart; JSON bodies: invalid_json, invalid_base64, " +
      "invalid_body",
  ),
  "408": requestTimeout,
  "413": err("body_too_large (MAX_BODY_BYTES; a JSON body counts its own bytes) or too_many_images"),
  "415": err("unsupported_media_type or unsupported_image"),
  "422": err(
    "too_many_pixels (MAX_PIXELS, from the header), too_small, or too_much_work (the file asks for far more decoding " +
      "work than its size needs)",
  ),
  "503": err(
    "not_ready (model not loaded), timeout (decode + inference over REQUEST_BUDGET_MS: the server is busy, retry) or " +
      "shutting_down (also an upload cut off by the server stopping)",
  ),
  ...v1Common,
};

const notReady = err("not_ready: the model is still loading (or failed to load: see the server log)");

/** The routes that need no key. */
const PUBLIC = { security: [] };

/**
 * The OpenAPI document, with the configured limits in the descriptions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "../config.ts";
 * const spec = openApiSpec(loadConfig({}));
 * assert.equal(spec.paths["/v1/predict"].post.operationId, "predict");
 * assert.deepEqual(Object.keys(spec.paths["/v1/predict/batch"].post.requestBody.content), [
 *   "multipart/form-data",
 *   "application/json",
 * ]);
 * ```
 */
export function openApiSpec(config: Pick<Config, "maxBodyBytes" | "maxPixels" | "maxBatch" | "maxCells" | "apiKeys">) {
  const limits = `Limits: body ≤ ${config.maxBodyBytes} bytes, width×height ≤ ${config.maxPixels} pixels, ` +
    `${config.maxBatch} images per batch, ${config.maxCells} cells classified per image.`;
  return {
    openapi: "3.1.0",
    info: {
      title: "ALL screening service",
      version: "1.0.0",
      description: "Screens blood-smear images for acute lymphoblastic leukemia (`all`) vs `normal`. " +
        "A decision of `review` means a person must look (score in the model's review band, or the image " +
        "does not look like the training data). Screening aid only, not a diagnosis. " + limits +
        " Every answer carries X-Request-Id, the id the server issued for the request. Besides each operation's " +
        "statuses, any path answers: 404 `not_found` for a path this server does not serve, 405 " +
        "`method_not_allowed` (with `Allow`) for a standard method the path does not take, 501 " +
        "`method_not_implemented` for a method name that is not a standard one (see components.responses). " +
        "`/v2/*` is the Open Inference Protocol v2 (KServe, Triton) over the same model and limits; its errors " +
        'are `{"error": "..."}`.',
    },
    servers: [{ url: "/", description: "the server that serves this document" }],
    ...(config.apiKeys.length > 0 ? { security: [{ bearer: [] }] } : {}),
    tags: [
      { name: "v1", description: "the service's own API" },
      { name: "oip", description: "Open Inference Protocol v2 (KServe / Triton), JSON and binary tensors" },
      { name: "service", description: "health, metrics and documentation (no key needed)" },
    ],
    paths: {
      "/v1/predict": {
        post: {
          operationId: "predict",
          tags: ["v1"],
          summary: "Classify one image",
          parameters: [clientIdParameter],
          requestBody: imageBody(false, config.maxBatch),
          responses: {
            "200": { description: "prediction", headers: privateHeaders, content: json(ref("PredictResponse")) },
            ...inputErrors,
          },
        },
      },
      "/v1/predict/batch": {
        post: {
          operationId: "predictBatch",
          tags: ["v1"],
          summary: `Classify several images (multipart \`image\` parts or JSON, up to ${config.maxBatch})`,
          parameters: [clientIdParameter],
          requestBody: imageBody(true, config.maxBatch),
          responses: {
            "200": {
              description: "one result per image, in order, each with its index (and filename): a prediction or an " +
                "error (an image that fails does not fail the others)",
              headers: privateHeaders,
              content: json(ref("BatchResponse")),
            },
            ...inputErrors,
            "415": err("unsupported_media_type: send multipart/form-data or application/json"),
          },
        },
      },
      "/v1/explain": {
        post: {
          operationId: "explain",
          tags: ["v1"],
          summary: "Classify one image and return a class-activation heatmap",
          parameters: [clientIdParameter],
          requestBody: imageBody(false, config.maxBatch),
          responses: {
            "200": {
              description: "prediction plus heatmap",
              headers: privateHeaders,
              content: json(ref("ExplainResponse")),
            },
            ...inputErrors,
            "501": err("explain_unavailable: the model has no class-activation output"),
          },
        },
      },
      "/v1/cells": {
        post: {
          operationId: "cells",
          tags: ["v1"],
          summary: `Locate the cells of one image, classify each (up to ${config.maxCells}) and summarise the field`,
          description: "The cells are located (a stained field, or one cell segmented onto black as in C-NMC), " +
            "each is cut out on black and classified by the cell model (CELL_MODEL), and the field is summarised: " +
            "no cell → review (no_cells); any cell all → all; else any review → review; else normal. At most " +
            `MAX_CELLS (${config.maxCells}) cells are classified, the largest; \`locator.capped\` says when more ` +
            "were found (the summary is then review unless a cell is all). Boxes are in the uploaded image's pixels.",
          parameters: [clientIdParameter],
          requestBody: imageBody(false, config.maxBatch),
          responses: {
            "200": {
              description: "the cells and the summary",
              headers: privateHeaders,
              content: json(ref("CellsResponse")),
            },
            ...inputErrors,
            "503": err(
              "cells_unavailable (no cell model: CELL_MODEL is missing or failed to load; /readyz says why), timeout " +
                "(decode + locate + classify over REQUEST_BUDGET_MS: the server is busy, retry) or shutting_down",
            ),
          },
        },
      },
      "/v1/feedback": {
        post: {
          operationId: "postFeedback",
          tags: ["v1"],
          summary: "Record a reviewer's label for a prediction this service made (matched by requestId or input hash)",
          requestBody: { required: true, content: json(ref("FeedbackInput")) },
          parameters: [clientIdParameter],
          responses: {
            "201": {
              description: "stored (answered only after the write is committed)",
              headers: privateHeaders,
              content: json(ref("FeedbackReceipt")),
            },
            "400": err("invalid_feedback (bad JSON or fields; a batch requestId without inputSha256) or empty_body"),
            "404": err("prediction_not_found: no prediction with that requestId / inputSha256 is on record"),
            "408": requestTimeout,
            "413": err("body_too_large (16 KiB)"),
            "415": err("unsupported_media_type: send application/json"),
            "503": err("store_unavailable: the feedback store could not be opened; or shutting_down"),
            ...v1Common,
          },
        },
        get: {
          operationId: "exportFeedback",
          tags: ["v1"],
          summary: "Export feedback (with the predictions it is about) as NDJSON, oldest first, for retraining",
          parameters: [clientIdParameter, {
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
              content: { "application/x-ndjson": { schema: ref("Feedback") } },
            },
            "400": err("invalid_feedback: `since` is not a date"),
            "503": err("store_unavailable: the feedback store could not be opened"),
            ...v1Common,
          },
        },
      },
      "/v1/model": {
        get: {
          operationId: "model",
          tags: ["v1"],
          summary: "The served model's card (with `warnings` when the model runs without a domain check)",
          parameters: [clientIdParameter],
          responses: {
            "200": { description: "the model card", content: json(ref("ModelCard")) },
            "503": notReady,
            ...v1Common,
          },
        },
      },
      "/healthz": {
        get: {
          operationId: "healthz",
          tags: ["service"],
          summary: "Liveness: 200 while the process serves",
          ...PUBLIC,
          responses: {
            "200": { description: "alive", content: json(ref("Health")) },
            "500": internal,
          },
        },
      },
      "/readyz": {
        get: {
          operationId: "readyz",
          tags: ["service"],
          summary: "Readiness: 200 once the model is loaded, with what the operator should know about it",
          ...PUBLIC,
          responses: {
            "200": { description: "ready", content: json(ref("Readiness")) },
            "503": notReady,
            "500": internal,
          },
        },
      },
      "/metrics": {
        get: {
          operationId: "metrics",
          tags: ["service"],
          summary: "Prometheus metrics",
          ...PUBLIC,
          responses: {
            "200": {
              description: "Prometheus text exposition format 0.0.4",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            "500": internal,
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openapi",
          tags: ["service"],
          summary: "This document",
          ...PUBLIC,
          responses: {
            "200": {
              description: "OpenAPI 3.1",
              content: json({
                type: "object",
                required: ["openapi", "info", "paths", "components"],
                additionalProperties: true,
                properties: {
                  openapi: { type: "string" },
                  info: { type: "object", additionalProperties: true },
                  paths: { type: "object", additionalProperties: true },
                  components: { type: "object", additionalProperties: true },
                },
              }),
            },
            "500": internal,
          },
        },
      },
      "/docs": {
        get: {
          operationId: "docs",
          tags: ["service"],
          summary: "This document as HTML",
          ...PUBLIC,
          responses: {
            "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
            "500": internal,
          },
        },
      },
      "/": {
        get: {
          operationId: "ui",
          tags: ["service"],
          summary: "Web page to try an image",
          ...PUBLIC,
          responses: {
            "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
            "500": internal,
          },
        },
      },
      ...oipPaths(config),
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      responses: {
        NotFound: err("not_found: no such path on this server (GET /docs lists them)"),
        MethodNotAllowed: err("method_not_allowed: the path does not take this method", {
          Allow: { description: "the methods the path takes", schema: { type: "string" } },
        }),
        MethodNotImplemented: err("method_not_implemented: not a standard HTTP method"),
        OipPathError: {
          description: "any /v2 path: 404 (no such path), 405 (a method the path does not take, with `Allow`) " +
            "or 501 (not a standard method), in the protocol's shape",
          content: json(ref("OipError")),
        },
      },
      schemas: { ...apiSchemas(config.maxBatch), ...modelCardSchemas(), ...oipSchemas() },
    },
  };
}
