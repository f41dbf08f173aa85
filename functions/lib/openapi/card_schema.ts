/**
 * JSON Schemas (OpenAPI 3.1) of the model card as `GET /v1/model` answers it: the `ModelCard` of
 * `model/core/card/card.ts`, after `parseModelCard` filled in the preprocessing defaults, plus the
 * service's `warnings`. Every object has its properties spelled out; the open-ended reports the
 * pipeline writes (`data`, `training`, `metrics`) list the fields every card has and allow more
 * (`additionalProperties: true`), so a generated client types them as records, not as empty
 * objects.
 *
 * @module
 */

/** A JSON Schema, as the document holds it. */
export type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const num: Schema = { type: "number" };
const int: Schema = { type: "integer" };
const str: Schema = { type: "string" };
const pair = (description: string): Schema => ({
  type: "array",
  prefixItems: [num, num],
  minItems: 2,
  maxItems: 2,
  description,
});
/** An open-ended report: the listed properties, and whatever else the pipeline recorded. */
const open = (description: string, properties: Record<string, Schema> = {}): Schema => ({
  type: "object",
  description,
  properties,
  additionalProperties: true,
});

/**
 * The card's schemas, keyed by component name: `ModelCard` and the objects it holds
 * (`ModelIO`, `PreprocessSpec`, `ColorNormalization`, `DomainCheck`, `FeatureDomainCheck`,
 * `MetricValue`, `ModelWarning`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const schemas = modelCardSchemas();
 * assert.ok(schemas.ModelCard.required.includes("reviewBand"));
 * assert.deepEqual(schemas.ModelWarning.properties.code.enum, [
 *   "no_domain_check", "no_feature_check", "cells_unavailable", "recalibrated_without_patients",
 * ]);
 * ```
 */
export function modelCardSchemas() {
  return {
    ModelWarning: {
      type: "object",
      required: ["code", "message"],
      additionalProperties: false,
      description: "something the operator should know about the served model (it still answers)",
      properties: {
        code: {
          type: "string",
          enum: ["no_domain_check", "no_feature_check", "cells_unavailable", "recalibrated_without_patients"],
          description: "`no_domain_check`: the card has no `domain`, so out-of-domain images are not sent to " +
            "review; `no_feature_check`: its `domain` has no `features` (pooled-feature distance); " +
            "`cells_unavailable` (/readyz only): the cell classifier (CELL_MODEL) is missing or failed to load, " +
            "so /v1/cells answers 503; `recalibrated_without_patients`: the card's operating point was recalibrated " +
            "for a lab (`recalibration`) on images without patient ids, so its cross-validated numbers are optimistic",
        },
        message: { type: "string", description: "what it means and how to fix it" },
      },
    },
    ModelIO: {
      type: "object",
      required: ["input", "logit"],
      additionalProperties: false,
      description: "names of the ONNX graph's tensors (NCHW)",
      properties: {
        input: { type: "string", description: "input tensor, shape [N, 3, size, size], float32" },
        logit: { type: "string", description: "`all`-vs-`normal` logit, shape [N, 1]" },
        subtypeLogits: { type: "string", description: "subtype logits, shape [N, subtypes.length]" },
        cam: { type: "string", description: "class-activation map, shape [N, 1, h, w] (what /v1/explain draws)" },
        features: { type: "string", description: "pooled features, shape [N, C] (the domain check's distance)" },
        camGrid: {
          type: "object",
          required: ["origin", "step"],
          additionalProperties: false,
          description: "where the cam's cells lie on the model input: cell (i, j) centred at " +
            "x = origin[0] + step[0]·j, y = origin[1] + step[1]·i (pixel k's centre at k + 0.5)",
          properties: {
            origin: pair("[x, y] of cell (0, 0)'s centre, model-input pixels"),
            step: pair("[x, y] distance between neighbouring cells' centres, model-input pixels"),
          },
        },
      },
    },
    ColorNormalization: {
      oneOf: [
        {
          type: "object",
          required: ["mode", "mean", "std"],
          additionalProperties: false,
          description: "x = (v − mean[c]) / std[c] with dataset-wide constants",
          properties: {
            mode: { type: "string", const: "fixed" },
            mean: { type: "array", prefixItems: [num, num, num], minItems: 3, maxItems: 3 },
            std: { type: "array", prefixItems: [num, num, num], minItems: 3, maxItems: 3 },
          },
        },
        {
          type: "object",
          required: ["mode", "minStd"],
          additionalProperties: false,
          description: "each channel of each image standardised by its own mean and max(std, minStd)",
          properties: { mode: { type: "string", const: "per-image" }, minStd: num },
        },
      ],
    },
    PreprocessSpec: {
      type: "object",
      required: ["size", "crop", "resize", "normalization", "channelOrder", "alphaBackground"],
      additionalProperties: false,
      description: "how an image becomes the model's input tensor (shared by training and serving)",
      properties: {
        size: { type: "integer", minimum: 8, maximum: 1024, description: "side of the square input, pixels" },
        crop: { type: "string", enum: ["none", "center-square"] },
        resize: { type: "string", const: "area", description: "exact box filter" },
        normalization: ref("ColorNormalization"),
        channelOrder: { type: "string", const: "RGB" },
        alphaBackground: { type: "number", description: "grey level (0–255) alpha is composited over" },
        colorMode: { type: "string", enum: ["rgb", "grey", "relative-chroma"] },
        whiteBalance: {
          type: "object",
          required: ["brightFraction"],
          additionalProperties: false,
          properties: {
            brightFraction: { type: "number", description: "share of brightest pixels taken as the background" },
          },
        },
        scale: {
          type: "object",
          required: ["redCellRadius", "workingSize", "zoomRange"],
          additionalProperties: false,
          description:
            "scale normalisation: the cropped image is resized to workingSize, its red cells measured, and the input cut from the centred window that brings them to redCellRadius",
          properties: {
            redCellRadius: {
              type: "number",
              minimum: 1,
              maximum: 64,
              description: "target red-cell radius, working pixels",
            },
            workingSize: { type: "integer", minimum: 32, maximum: 1024 },
            zoomRange: {
              type: "array",
              items: { type: "number" },
              minItems: 2,
              maxItems: 2,
              description: "least and largest zoom applied (above 1 enlarges the cells)",
            },
          },
        },
        stainNormalization: {
          type: "object",
          required: ["method", "stains", "maxConcentrations"],
          additionalProperties: false,
          description:
            "stain normalisation (Macenko) after the white balance: each field's two stains are estimated in optical density and it is redrawn with these reference stains at these strengths",
          properties: {
            method: { type: "string", enum: ["macenko"] },
            stains: {
              type: "array",
              minItems: 2,
              maxItems: 2,
              items: { type: "array", items: { type: "number", minimum: 0, maximum: 1 }, minItems: 3, maxItems: 3 },
              description: "unit RGB optical-density directions: [nuclear stain, counterstain]",
            },
            maxConcentrations: {
              type: "array",
              items: { type: "number", exclusiveMinimum: 0, maximum: 10 },
              minItems: 2,
              maxItems: 2,
              description: "reference 99th-percentile concentration of each stain",
            },
          },
        },
      },
    },
    FeatureDomainCheck: {
      type: "object",
      required: ["output", "mean", "whitening", "dims", "threshold", "fitted"],
      additionalProperties: false,
      description:
        "Mahalanobis distance d = ‖W (f − mean)‖₂ in the pooled-feature space; out of domain when d > threshold",
      properties: {
        output: { type: "string", description: "the graph output holding the features" },
        mean: { type: "array", items: num, description: "mean of the training images' features (dims numbers)" },
        whitening: { type: "array", items: num, description: "dims × dims whitening matrix, row-major" },
        dims: int,
        threshold: num,
        fitted: {
          type: "object",
          required: ["images", "shrinkage", "quantile", "validationImages"],
          additionalProperties: false,
          properties: {
            images: int,
            shrinkage: num,
            quantile: num,
            validationImages: int,
            thresholdOn: {
              type: "string",
              enum: ["train"],
              description: "absent: the threshold is a quantile of validation images' distances; train: of the " +
                "training images' own (a refit with no val split)",
            },
          },
        },
      },
    },
    DomainCheck: {
      type: "object",
      required: ["ranges"],
      additionalProperties: false,
      description: "input-domain check: out-of-domain images get the decision `review`",
      properties: {
        ranges: {
          type: "object",
          additionalProperties: pair("inclusive [min, max]"),
          description: "statistic of the resized image (meanR, stdG, darkFraction…) → inclusive [min, max]",
        },
        features: ref("FeatureDomainCheck"),
      },
    },
    MetricValue: {
      type: "object",
      required: ["value"],
      properties: { value: num, ci95: pair("bootstrap 95% interval") },
      additionalProperties: false,
    },
    ModelCard: {
      type: "object",
      description: "The model card (`model/<name>.json`): everything the service knows about the model. " +
        "Fields not listed here may be present (the pipeline records more).",
      required: [
        "id",
        "version",
        "sha256",
        "created",
        "file",
        "precision",
        "opset",
        "architecture",
        "io",
        "preprocess",
        "labels",
        "positiveLabel",
        "temperature",
        "threshold",
        "reviewBand",
      ],
      additionalProperties: true,
      properties: {
        id: { type: "string", description: "the model's name (also its OIP v2 name)" },
        version: str,
        sha256: { type: "string", pattern: "^[0-9a-f]{64}$", description: "SHA-256 of the .onnx file" },
        created: { type: "string", format: "date-time" },
        file: { type: "string", description: "the .onnx file's name, relative to the card" },
        precision: { type: "string", enum: ["float32", "int8-qdq"] },
        opset: int,
        architecture: str,
        io: ref("ModelIO"),
        preprocess: ref("PreprocessSpec"),
        labels: {
          type: "array",
          prefixItems: [{ type: "string", const: "normal" }, { type: "string", const: "all" }],
          minItems: 2,
          maxItems: 2,
          description: "order of the binary output: index 1 is `all`",
        },
        positiveLabel: { type: "string", const: "all" },
        subtypes: { type: "array", items: str, description: "subtype names, in the order of io.subtypeLogits" },
        temperature: { type: "number", description: "calibration: p(all) = sigmoid(logit / temperature)" },
        threshold: { type: "number", description: "p(all) ≥ threshold → `all`" },
        reviewBand: pair("p(all) in [low, high) → decision `review`"),
        domain: ref("DomainCheck"),
        data: open("the data the model was trained and tested on", {
          datasets: { type: "array", items: str },
          manifestSha256: str,
          split: open("how the images were split"),
          counts: {
            type: "object",
            additionalProperties: { type: "object", additionalProperties: int },
            description: "split → count name → images",
          },
          note: str,
        }),
        training: open("how the model was trained", {
          config: open("the trainer's options"),
          epochs: int,
        }),
        metrics: open("evaluation results (test metrics with intervals, quantization, shift and domain checks)", {
          evaluation: open("operating point and the validation and test splits' metrics", {
            temperature: num,
            threshold: num,
            reviewBand: pair("the review band chosen"),
          }),
          quantization: open("float-vs-int8 agreement"),
          colourBaselineTest: {
            type: "object",
            additionalProperties: ref("MetricValue"),
            description: "a colour-only baseline's test metrics (what the model must beat)",
          },
          outOfDomain: open("the domain check's fit and its results"),
          suite: open("the shift suite's results"),
          shift: open("results under image shifts (older cards)"),
        }),
        intendedUse: str,
        limits: { type: "array", items: str },
        recalibration: open(
          "present when the operating point was recalibrated for one lab (deno task recalibrate): what it was fitted on " +
            "and what the service answered for that lab's images, as shipped and recalibrated",
          {
            lab: str,
            created: { type: "string", format: "date-time" },
            from: open("the card it was made from", {
              version: str,
              threshold: num,
              reviewBand: pair("its review band"),
            }),
            images: open("the lab's labelled images", {
              all: int,
              normal: int,
              patients: int,
              patientIds: {
                type: "boolean",
                description: "false: some images had no patient id (each its own patient)",
              },
              outOfDomain: int,
            }),
            folds: { type: "integer", description: "folds of the cross-validation by patient (0: not run)" },
            answers: open("what the service answers for the lab's images: asShipped, crossValidated, inSample"),
            warnings: { type: "array", items: str },
          },
        ),
        warnings: {
          type: "array",
          items: ref("ModelWarning"),
          description: "present only when there is something to say (contract: never an empty list here)",
        },
      },
    },
  } as const;
}
