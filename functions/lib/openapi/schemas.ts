/**
 * JSON Schemas (OpenAPI 3.1) of the `/v1` API's and the health routes' bodies: predictions, batch
 * results, the JSON image inputs, feedback, health and the one error shape. Every object lists its
 * properties and says whether it allows more, so a generated client gets exact types.
 *
 * @module
 */
import type { Schema } from "./card_schema.ts";

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/**
 * Every error code the API answers with; `ErrorCode` in `functions/lib/http/errors.ts` (a test
 * checks they match).
 */
export const ERROR_CODES = [
  "corrupt_image",
  "empty_body",
  "missing_image_field",
  "malformed_multipart",
  "invalid_json",
  "invalid_base64",
  "invalid_body",
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
  "cells_unavailable",
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
] as const;

const modelRef = {
  type: "object",
  required: ["id", "version", "sha256"],
  additionalProperties: false,
  description: "the model that answered (its card's id, version and .onnx hash)",
  properties: { id: { type: "string" }, version: { type: "string" }, sha256: { type: "string" } },
};

const scores = {
  type: "object",
  required: ["all", "normal"],
  additionalProperties: false,
  properties: {
    all: { type: "number", description: "calibrated p(all) = sigmoid(logit / temperature)" },
    normal: { type: "number", description: "1 − all" },
  },
};

const label = { type: "string", enum: ["all", "normal"] };
const decision = {
  type: "string",
  enum: ["all", "normal", "review"],
  description: "`review`: a person must look (score in the review band, or the image is out of domain)",
};
const requestId = {
  type: "string",
  format: "uuid",
  description: "the id the server issued for the request (also X-Request-Id); feedback refers to it",
};
/** Where a batch result came from (contract: every result carries them). */
/** The uploaded image as an answer describes it (`input`). */
const imageInput = {
  type: "object",
  required: ["format", "width", "height", "sha256"],
  additionalProperties: false,
  properties: {
    format: { type: "string", enum: ["bmp", "png", "jpeg", "tiff"] },
    width: { type: "integer" },
    height: { type: "integer" },
    sha256: { type: "string", description: "SHA-256 of the image file's bytes (feedback can refer to it)" },
  },
};

const batchPlace = {
  index: { type: "integer", minimum: 0, description: "0-based position of the image in the request" },
  filename: {
    type: "string",
    description: "the multipart part's filename, or the JSON item's `filename` (absent when none was given)",
  },
};

/**
 * The API's schemas, keyed by component name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = apiSchemas(16);
 * assert.deepEqual(s.Prediction.properties.decision.enum, ["all", "normal", "review"]);
 * assert.equal(s.BatchJsonInput.properties.images.maxItems, 16);
 * ```
 */
export function apiSchemas(maxBatch: number) {
  return {
    ErrorDetail: {
      type: "object",
      required: ["code", "message"],
      additionalProperties: false,
      properties: {
        code: { type: "string", enum: [...ERROR_CODES], description: "stable: switch on it" },
        message: { type: "string", description: "what went wrong and what to do" },
      },
    },
    Error: {
      type: "object",
      required: ["error"],
      additionalProperties: false,
      description: "every 4xx/5xx answer of the service (the /v2 routes answer OipError instead)",
      properties: {
        error: ref("ErrorDetail"),
        requestId: { type: "string", description: "the id the server issued for the request (X-Request-Id)" },
      },
    },
    Health: {
      type: "object",
      required: ["status"],
      additionalProperties: false,
      properties: { status: { type: "string", const: "ok" } },
    },
    Readiness: {
      type: "object",
      required: ["status", "model", "warnings"],
      additionalProperties: false,
      properties: {
        status: { type: "string", const: "ready" },
        model: ref("ModelRef"),
        warnings: {
          type: "array",
          items: ref("ModelWarning"),
          description: "what the operator should know about the model (e.g. no domain check); [] when nothing",
        },
      },
    },
    ModelRef: modelRef,
    Scores: scores,
    Prediction: {
      type: "object",
      required: ["label", "scores", "decision", "model", "input", "timings"],
      description: "one image's answer (the routes' answers add to it, hence no additionalProperties here)",
      properties: {
        label: { ...label, description: "the label by the threshold alone" },
        scores: ref("Scores"),
        decision,
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
        model: ref("ModelRef"),
        input: imageInput,
        timings: {
          type: "object",
          required: ["decodeMs", "preprocessMs", "inferenceMs", "totalMs"],
          additionalProperties: false,
          description: "milliseconds per stage (the fused BMP path counts decoding in preprocessMs)",
          properties: {
            decodeMs: { type: "number" },
            preprocessMs: { type: "number" },
            inferenceMs: { type: "number" },
            totalMs: { type: "number" },
          },
        },
      },
    },
    PredictResponse: {
      allOf: [ref("Prediction"), {
        type: "object",
        required: ["requestId"],
        properties: { requestId },
      }],
      unevaluatedProperties: false,
    },
    ExplainResponse: {
      allOf: [ref("Prediction"), {
        type: "object",
        required: ["requestId", "heatmap"],
        properties: {
          requestId,
          heatmap: {
            type: "string",
            description:
              "data:image/png;base64 URL, RGBA, the input's width and height, jet colours, alpha grows with evidence for `all`",
          },
        },
      }],
      unevaluatedProperties: false,
    },
    CellBox: {
      type: "object",
      required: ["x", "y", "width", "height"],
      additionalProperties: false,
      description: "a cell's bounding box in the uploaded image's pixels (x, y: its top-left corner)",
      properties: {
        x: { type: "integer", minimum: 0 },
        y: { type: "integer", minimum: 0 },
        width: { type: "integer", minimum: 1 },
        height: { type: "integer", minimum: 1 },
      },
    },
    Cell: {
      type: "object",
      required: ["box", "scores", "label", "decision"],
      additionalProperties: false,
      description: "one located cell, classified by the cell model (its crop on black, resized by the cell card)",
      properties: {
        box: ref("CellBox"),
        scores: ref("Scores"),
        label: { ...label, description: "the label by the cell model's threshold alone" },
        decision,
        reasons: {
          type: "array",
          items: { type: "string" },
          description: "why the crop is outside the cell model's domain (decision review)",
        },
      },
    },
    CellSummary: {
      type: "object",
      required: ["cells", "all", "normal", "review", "blastFraction", "decision"],
      additionalProperties: false,
      description: "the field's call: no cell → review (no_cells); any cell all → all; else any review → " +
        "review; else normal (review too when cells were left out by MAX_CELLS: capped)",
      properties: {
        cells: { type: "integer", minimum: 0, description: "cells classified" },
        all: { type: "integer", minimum: 0, description: "cells answered all" },
        normal: { type: "integer", minimum: 0, description: "cells answered normal" },
        review: { type: "integer", minimum: 0, description: "cells answered review" },
        blastFraction: {
          type: ["number", "null"],
          minimum: 0,
          maximum: 1,
          description: "all ÷ cells; null when no cell was classified",
        },
        decision,
        reasons: {
          type: "array",
          items: { type: "string" },
          description: "`no_cells: …` (nothing located) and `capped: …` (more cells found than MAX_CELLS)",
        },
      },
    },
    CellsResponse: {
      type: "object",
      required: ["cells", "summary", "model", "locator", "input", "timings", "requestId"],
      additionalProperties: false,
      properties: {
        cells: {
          type: "array",
          items: ref("Cell"),
          description: "the classified cells, top to bottom then left to right (at most MAX_CELLS: the largest)",
        },
        summary: ref("CellSummary"),
        model: { ...ref("ModelRef"), description: "the cell model that classified the cells" },
        locator: {
          type: "object",
          required: ["background", "found", "capped", "maxCells"],
          additionalProperties: false,
          description: "how the cells were located",
          properties: {
            background: {
              type: "string",
              enum: ["field", "black"],
              description: "`field`: a stained smear field; `black`: a cell already segmented onto black (C-NMC)",
            },
            found: { type: "integer", minimum: 0, description: "cells found before the cap" },
            capped: { type: "boolean", description: "more than maxCells were found: the largest were classified" },
            maxCells: { type: "integer", minimum: 1, description: "the cap (MAX_CELLS)" },
          },
        },
        input: imageInput,
        timings: {
          type: "object",
          required: ["decodeMs", "locateMs", "classifyMs", "totalMs"],
          additionalProperties: false,
          description: "milliseconds: decoding, locating + cropping, the cell model on every cell, the whole request",
          properties: {
            decodeMs: { type: "number" },
            locateMs: { type: "number" },
            classifyMs: { type: "number" },
            totalMs: { type: "number" },
          },
        },
        requestId: {
          ...requestId,
          description: "the id the server issued (also X-Request-Id); feedback with it labels the field",
        },
      },
    },
    BatchPrediction: {
      allOf: [ref("Prediction"), { type: "object", required: ["index"], properties: batchPlace }],
      unevaluatedProperties: false,
    },
    BatchError: {
      type: "object",
      required: ["error", "index"],
      additionalProperties: false,
      properties: { error: ref("ErrorDetail"), ...batchPlace },
    },
    BatchResponse: {
      type: "object",
      required: ["results", "requestId"],
      additionalProperties: false,
      properties: {
        results: {
          type: "array",
          description: "one result per image, in request order: a prediction or an error",
          items: { oneOf: [ref("BatchPrediction"), ref("BatchError")] },
        },
        requestId: {
          ...requestId,
          description: "issued by the server; with input.sha256 it names one image's audit record",
        },
      },
    },
    ImageJsonInput: {
      type: "object",
      required: ["image"],
      description: "one image as base64 (the JSON alternative to sending its bytes)",
      properties: {
        image: {
          type: "string",
          contentEncoding: "base64",
          description: "the image file's bytes, base64 (a `data:<type>;base64,` prefix is allowed)",
        },
        filename: { type: "string", description: "echoed in batch results" },
      },
    },
    BatchJsonInput: {
      type: "object",
      required: ["images"],
      properties: {
        images: { type: "array", minItems: 1, maxItems: maxBatch, items: ref("ImageJsonInput") },
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
        label: { ...label, description: "the reviewer's label" },
        reviewer: { type: "string", maxLength: 200 },
        note: { type: "string", maxLength: 2000 },
        caseId: {
          type: "string",
          pattern: "^[A-Za-z0-9._:-]{1,64}$",
          description:
            "the lab's pseudonymous case (patient or sample) key, never a name or record number: retraining and recalibration keep a case's images together",
        },
      },
    },
    PredictionRecord: {
      type: "object",
      description: "the prediction as the service made it (audit trail)",
      required: ["requestId", "index", "route", "inputSha256", "model", "label", "scores", "decision", "ts"],
      additionalProperties: false,
      properties: {
        requestId: { type: "string", description: "the id the server issued for the request" },
        clientRequestId: { type: "string", description: "the client's X-Request-Id, when it sent one" },
        index: { type: "integer", description: "position in a batch request (0 otherwise)" },
        route: { type: "string", description: "the route that answered, e.g. /v1/predict" },
        inputSha256: { type: "string" },
        model: ref("ModelRef"),
        label,
        scores: ref("Scores"),
        decision,
        ts: { type: "string", format: "date-time" },
      },
    },
    Feedback: {
      type: "object",
      required: ["id", "ts", "label", "prediction"],
      description: "a reviewer's label for one prediction, as stored and exported",
      properties: {
        id: { type: "string", description: "<ISO time>_<random>, sorts by time" },
        ts: { type: "string", format: "date-time" },
        label,
        reviewer: { type: "string" },
        note: { type: "string" },
        caseId: { type: "string" },
        prediction: ref("PredictionRecord"),
      },
    },
    FeedbackReceipt: {
      allOf: [ref("Feedback"), {
        type: "object",
        required: ["agrees"],
        properties: { agrees: { type: "boolean", description: "the reviewer's label equals the model's" } },
      }],
      unevaluatedProperties: false,
    },
  };
}
