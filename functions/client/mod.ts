/**
 * A small typed client for the ALL screening service, for portals and scripts. It needs nothing
 * but `fetch` (Deno, Node ≥ 22, browsers, Workers) and imports nothing. Its types mirror the
 * service's OpenAPI document (`GET /openapi.json`); `tests/openapi_client_test.ts` checks them
 * against the types generated from that document and against real answers.
 *
 * Every method resolves with the parsed answer or throws {@link ApiClientError} (the service's
 * `{error: {code, message}, requestId}`); a network failure rejects with the `fetch` error.
 *
 * @example Classify an image with a running service
 * ```ts ignore
 * import { createClient } from "./mod.ts";
 * const client = createClient({ baseUrl: "http://localhost:8000", apiKey: "my-key" });
 * const file = await Deno.readFile("cell.bmp");
 * const p = await client.predict(file, { contentType: "image/bmp" });
 * console.log(p.decision, p.scores.all, p.requestId);
 * ```
 *
 * @module
 */

/** Class labels: `all` is the positive (malignant) class. */
export type Label = "all" | "normal";

/** The service's decision: a label, or `review` when a person must look first. */
export type Decision = Label | "review";

/** Every error code the service answers with (stable: switch on it). */
export type ErrorCode =
  | "corrupt_image"
  | "empty_body"
  | "missing_image_field"
  | "malformed_multipart"
  | "invalid_json"
  | "invalid_base64"
  | "invalid_body"
  | "body_too_large"
  | "unsupported_media_type"
  | "unsupported_image"
  | "too_many_pixels"
  | "too_small"
  | "too_much_work"
  | "too_many_images"
  | "unauthorized"
  | "request_timeout"
  | "not_ready"
  | "cells_unavailable"
  | "explain_unavailable"
  | "not_found"
  | "method_not_allowed"
  | "method_not_implemented"
  | "rate_limited"
  | "timeout"
  | "invalid_feedback"
  | "prediction_not_found"
  | "store_unavailable"
  | "shutting_down"
  | "internal_error";

/** An error's code and what to do about it. */
export interface ErrorDetail {
  code: ErrorCode;
  message: string;
}

/** The body of every error answer. */
export interface ErrorBody {
  error: ErrorDetail;
  requestId?: string;
}

/** The model that answered. */
export interface ModelRef {
  id: string;
  version: string;
  sha256: string;
}

/** Calibrated probabilities (they sum to 1). */
export interface Scores {
  all: number;
  normal: number;
}

/** One image's answer (without the request's id). */
export interface PredictionBase {
  /** The label by the threshold alone. */
  label: Label;
  scores: Scores;
  /** What to do: `review` means a person must look. */
  decision: Decision;
  /** Why the image is out of domain (decision `review`). */
  reasons?: string[];
  /** Subtype name → score, when the model has a subtype head. */
  subtype?: { [name: string]: number };
  model: ModelRef;
  input: { format: "bmp" | "png" | "jpeg" | "tiff"; width: number; height: number; sha256: string };
  timings: { decodeMs: number; preprocessMs: number; inferenceMs: number; totalMs: number };
}

/** The answer of `predict`. */
export interface Prediction extends PredictionBase {
  /** The id the server issued for the request: what {@link FeedbackInput.requestId} refers to. */
  requestId: string;
}

/** The answer of `explain`: a prediction and its heatmap. */
export interface Explanation extends Prediction {
  /** `data:image/png;base64,…`, the input's size; draw it over the image. */
  heatmap: string;
}

/** A cell's bounding box in the uploaded image's pixels (`x`, `y`: its top-left corner). */
export interface CellBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One located cell and the cell model's answer for it. */
export interface Cell {
  box: CellBox;
  scores: Scores;
  /** The label by the cell model's threshold alone. */
  label: Label;
  decision: Decision;
  /** Why the cell is outside the cell model's domain (decision `review`). */
  reasons?: string[];
}

/** The field's call from its cells: no cell → review; any all → all; else any review → review; else normal. */
export interface CellSummary {
  /** Cells classified. */
  cells: number;
  all: number;
  normal: number;
  review: number;
  /** `all` ÷ `cells`; `null` when no cell was classified. */
  blastFraction: number | null;
  decision: Decision;
  /** `no_cells: …`, `capped: …`. */
  reasons?: string[];
}

/** The answer of `cells`. */
export interface CellsResult {
  /** The classified cells, top to bottom then left to right. */
  cells: Cell[];
  summary: CellSummary;
  /** The cell model. */
  model: ModelRef;
  /** `found`: cells located before the cap; `capped`: more than `maxCells` were found (the largest were classified). */
  locator: { background: "field" | "black"; found: number; capped: boolean; maxCells: number };
  input: { format: "bmp" | "png" | "jpeg" | "tiff"; width: number; height: number; sha256: string };
  timings: { decodeMs: number; locateMs: number; classifyMs: number; totalMs: number };
  /** The id the server issued: feedback with it labels the field. */
  requestId: string;
}

/** Where a batch result came from. */
export interface BatchPlace {
  /** 0-based position of the image in the request. */
  index: number;
  /** The filename sent with the image, if any. */
  filename?: string;
}

/** A batch image that was classified. */
export interface BatchPrediction extends PredictionBase, BatchPlace {}

/** A batch image that could not be classified (the others still are). */
export interface BatchError extends BatchPlace {
  error: ErrorDetail;
}

/** The answer of `predictBatch`: one result per image, in order. */
export interface BatchResult {
  results: (BatchPrediction | BatchError)[];
  requestId: string;
}

/** Something the operator should know about the served model. */
export interface ModelWarning {
  code: "no_domain_check" | "no_feature_check" | "cells_unavailable" | "recalibrated_without_patients";
  message: string;
}

/** The answer of `ready`. */
export interface Readiness {
  status: "ready";
  model: ModelRef;
  /** `[]` when there is nothing to say. */
  warnings: ModelWarning[];
}

/** Colour normalisation of the model's input. */
export type ColorNormalization =
  | { mode: "fixed"; mean: [number, number, number]; std: [number, number, number] }
  | { mode: "per-image"; minStd: number };

/** How an image becomes the model's input. */
export interface PreprocessSpec {
  size: number;
  crop: "none" | "center-square";
  resize: "area";
  normalization: ColorNormalization;
  channelOrder: "RGB";
  alphaBackground: number;
  colorMode?: "rgb" | "grey" | "relative-chroma";
  whiteBalance?: { brightFraction: number };
}

/** The input-domain check (out-of-domain images get `review`). */
export interface DomainCheck {
  ranges: { [statistic: string]: [number, number] };
  features?: {
    output: string;
    mean: number[];
    whitening: number[];
    dims: number;
    threshold: number;
    fitted: { images: number; shrinkage: number; quantile: number; validationImages: number };
  };
}

/** A metric with its bootstrap 95% interval. */
export interface MetricValue {
  value: number;
  ci95?: [number, number];
}

/** An open-ended report of the pipeline. */
type Report = { [key: string]: unknown };

/** The answer of `model`: the model card. */
export interface ModelCard {
  id: string;
  version: string;
  sha256: string;
  created: string;
  file: string;
  precision: "float32" | "int8-qdq";
  opset: number;
  architecture: string;
  io: {
    input: string;
    logit: string;
    subtypeLogits?: string;
    cam?: string;
    features?: string;
    /** Where the cam's cells lie on the model input: cell (i, j) at origin + step·(j, i), in pixels. */
    camGrid?: { origin: [number, number]; step: [number, number] };
  };
  preprocess: PreprocessSpec;
  labels: ["normal", "all"];
  positiveLabel: "all";
  subtypes?: string[];
  temperature: number;
  threshold: number;
  reviewBand: [number, number];
  domain?: DomainCheck;
  data?: {
    datasets?: string[];
    manifestSha256?: string;
    split?: Report;
    counts?: { [split: string]: { [count: string]: number } };
    note?: string;
  } & Report;
  training?: { config?: Report; epochs?: number } & Report;
  metrics?: {
    evaluation?: { temperature?: number; threshold?: number; reviewBand?: [number, number] } & Report;
    quantization?: Report;
    colourBaselineTest?: { [metric: string]: MetricValue };
    outOfDomain?: Report;
    suite?: Report;
    shift?: Report;
  } & Report;
  intendedUse?: string;
  limits?: string[];
  /** Present when the model runs without a safety check (e.g. no domain check). */
  warnings?: ModelWarning[];
  [extra: string]: unknown;
}

/** A reviewer's label for a prediction: give `requestId` or `inputSha256` (both for a batch request). */
export interface FeedbackInput {
  requestId?: string;
  inputSha256?: string;
  label: Label;
  reviewer?: string;
  note?: string;
  /** The lab's pseudonymous case key (1–64 of `A-Z a-z 0-9 . _ : -`), never a name. */
  caseId?: string;
}

/** A prediction as the service recorded it. */
export interface PredictionRecord {
  requestId: string;
  clientRequestId?: string;
  index: number;
  route: string;
  inputSha256: string;
  model: ModelRef;
  label: Label;
  scores: Scores;
  decision: Decision;
  ts: string;
}

/** A stored feedback record (what `exportFeedback` lists). */
export interface Feedback {
  id: string;
  ts: string;
  label: Label;
  reviewer?: string;
  note?: string;
  caseId?: string;
  prediction: PredictionRecord;
}

/** The answer of `feedback`: the stored record, and whether the reviewer agrees with the model. */
export interface FeedbackReceipt extends Feedback {
  agrees: boolean;
}

/** An image: a `Blob`/`File` (its type is sent) or the file's bytes. */
export type ImageData = Blob | Uint8Array | ArrayBuffer;

/** Options of the image methods. */
export interface ImageOptions {
  /** Sent with the image (multipart); batch results echo it. */
  filename?: string;
  /** The image's media type (default: the Blob's type, else `application/octet-stream`: sniffed). */
  contentType?: string;
  /** Your own correlation id (sent as X-Request-Id; the server issues the request's id). */
  clientRequestId?: string;
  signal?: AbortSignal;
}

/** One image of a batch, with its filename and type. */
export interface BatchImage {
  image: ImageData;
  filename?: string;
  contentType?: string;
}

/** Options of the other methods. */
export interface CallOptions {
  clientRequestId?: string;
  signal?: AbortSignal;
}

/** A `fetch`-like function: the global `fetch`, or an app's handler (`app.fetch`) in tests. */
export type FetchLike = (request: Request) => Response | Promise<Response>;

/** How to reach the service. */
export interface ClientOptions {
  /** The service's URL, e.g. `https://screen.lab.example` (a path prefix is kept). */
  baseUrl: string;
  /** A key of the service's `API_KEYS`, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
}

/** The client's methods. */
export interface Client {
  /** Classifies one image (`POST /v1/predict`). */
  predict(image: ImageData, options?: ImageOptions): Promise<Prediction>;
  /** Classifies one image and draws its heatmap (`POST /v1/explain`). */
  explain(image: ImageData, options?: ImageOptions): Promise<Explanation>;
  /** Locates the cells of one image, classifies each and summarises the field (`POST /v1/cells`). */
  cells(image: ImageData, options?: ImageOptions): Promise<CellsResult>;
  /** Classifies several images in one request (`POST /v1/predict/batch`, multipart). */
  predictBatch(images: (ImageData | BatchImage)[], options?: CallOptions): Promise<BatchResult>;
  /** The served model's card (`GET /v1/model`). */
  model(options?: CallOptions): Promise<ModelCard>;
  /** Readiness (`GET /readyz`): throws `not_ready` (503) while the model loads. */
  ready(options?: CallOptions): Promise<Readiness>;
  /** Records a reviewer's label for a prediction (`POST /v1/feedback`). */
  feedback(input: FeedbackInput, options?: CallOptions): Promise<FeedbackReceipt>;
  /** The stored feedback, oldest first (`GET /v1/feedback`), from `since` (ISO time) when given. */
  exportFeedback(options?: CallOptions & { since?: string | Date }): Promise<Feedback[]>;
}

/**
 * An error answer of the service (or an answer that is not the service's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fetch = () => Response.json({ error: { code: "not_ready", message: "loading" }, requestId: "r1" }, { status: 503 });
 * const client = createClient({ baseUrl: "http://service", fetch });
 * await assert.rejects(client.ready(), (e) => {
 *   assert.ok(e instanceof ApiClientError);
 *   assert.deepEqual([e.status, e.code, e.message, e.requestId], [503, "not_ready", "loading", "r1"]);
 *   return true;
 * });
 * ```
 */
export class ApiClientError extends Error {
  override name = "ApiClientError";
  /** The HTTP status. */
  readonly status: number;
  /** The service's error code; `unexpected_response` when the answer is not the service's JSON. */
  readonly code: ErrorCode | "unexpected_response";
  /** The request's id (give it when reporting a problem), when the server issued one. */
  readonly requestId?: string;
  constructor(status: number, code: ErrorCode | "unexpected_response", message: string, requestId?: string) {
    // (no parameter properties: Node runs this file with type stripping alone)
    super(message);
    this.status = status;
    this.code = code;
    if (requestId !== undefined) this.requestId = requestId;
  }
}

/** Copies bytes into a `Blob` (and keeps a `Blob` as it is). */
function toBlob(image: ImageData, type?: string): Blob {
  if (image instanceof Blob) return type && type !== image.type ? new Blob([image], { type }) : image;
  const bytes = image instanceof ArrayBuffer ? new Uint8Array(image) : image;
  return new Blob([bytes.slice()], { type: type ?? "" });
}

function isBatchImage(x: ImageData | BatchImage): x is BatchImage {
  return !(x instanceof Blob) && !(x instanceof ArrayBuffer) && !ArrayBuffer.isView(x);
}

/** The answer's JSON, or an {@link ApiClientError} for an error answer or an answer that is not JSON. */
async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  const requestId = res.headers.get("x-request-id") ?? undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiClientError(
      res.status,
      "unexpected_response",
      `HTTP ${res.status}: the answer is not JSON (${text.slice(0, 120) || "empty"}); is baseUrl the service's?`,
      requestId,
    );
  }
  if (!res.ok) {
    const e = (body as Partial<ErrorBody> | null)?.error;
    if (e && typeof e.code === "string" && typeof e.message === "string") {
      throw new ApiClientError(res.status, e.code, e.message, (body as ErrorBody).requestId ?? requestId);
    }
    throw new ApiClientError(res.status, "unexpected_response", `HTTP ${res.status}: ${text.slice(0, 200)}`, requestId);
  }
  return body;
}

/**
 * A client for the service at `baseUrl`.
 *
 * @example Against the app itself (its `fetch` handler stands in for the network)
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApp } from "../app.ts";
 * import { loadConfig } from "../lib/config.ts";
 * import { loadModelFile } from "../../model/core/mod.ts";
 * const model = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const app = createApp({ model, config: loadConfig({}), log: () => {} });
 * const client = createClient({ baseUrl: "http://service", fetch: app.fetch });
 * const image = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp");
 * const p = await client.predict(image, { contentType: "image/bmp" });
 * assert.equal(p.model.id, "tiny-test");
 * const receipt = await client.feedback({ requestId: p.requestId, label: "all", reviewer: "lab-1" });
 * assert.equal(receipt.agrees, p.label === "all");
 * await model.close();
 * ```
 */
export function createClient(options: ClientOptions): Client {
  const base = options.baseUrl.replace(/\/+$/, "");
  const send: FetchLike = options.fetch ?? ((req) => fetch(req));
  const call = async (
    method: "GET" | "POST",
    path: string,
    opts: CallOptions,
    body?: { data: BodyInit; type?: string },
  ): Promise<Response> => {
    const headers = new Headers({ accept: "application/json" });
    if (options.apiKey) headers.set("authorization", `Bearer ${options.apiKey}`);
    if (opts.clientRequestId) headers.set("x-request-id", opts.clientRequestId);
    if (body?.type) headers.set("content-type", body.type);
    return await send(new Request(base + path, { method, headers, body: body?.data, signal: opts.signal }));
  };
  const image = async (path: string, data: ImageData, opts: ImageOptions = {}) => {
    if (opts.filename !== undefined) {
      const form = new FormData();
      form.append("image", toBlob(data, opts.contentType), opts.filename);
      return readJson(await call("POST", path, opts, { data: form }));
    }
    const blob = toBlob(data, opts.contentType);
    return readJson(await call("POST", path, opts, { data: blob, type: blob.type || "application/octet-stream" }));
  };
  return {
    predict: (data, opts) => image("/v1/predict", data, opts) as Promise<Prediction>,
    explain: (data, opts) => image("/v1/explain", data, opts) as Promise<Explanation>,
    cells: (data, opts) => image("/v1/cells", data, opts) as Promise<CellsResult>,
    async predictBatch(images, opts = {}) {
      const form = new FormData();
      images.forEach((item, i) => {
        const { image, filename, contentType } = isBatchImage(item) ? item : { image: item } as BatchImage;
        // a part needs a filename to be a file; an unnamed one gets its position
        form.append("image", toBlob(image, contentType), filename ?? `image-${i}`);
      });
      return await readJson(await call("POST", "/v1/predict/batch", opts, { data: form })) as BatchResult;
    },
    async model(opts = {}) {
      return await readJson(await call("GET", "/v1/model", opts)) as ModelCard;
    },
    async ready(opts = {}) {
      return await readJson(await call("GET", "/readyz", opts)) as Readiness;
    },
    async feedback(input, opts = {}) {
      const data = JSON.stringify(input);
      return await readJson(
        await call("POST", "/v1/feedback", opts, { data, type: "application/json" }),
      ) as FeedbackReceipt;
    },
    async exportFeedback(opts = {}) {
      const since = opts.since instanceof Date ? opts.since.toISOString() : opts.since;
      const res = await call("GET", `/v1/feedback${since ? `?since=${encodeURIComponent(since)}` : ""}`, opts);
      if (!res.ok) await readJson(res); // throws the error
      const text = await res.text();
      return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as Feedback);
    },
  };
}
