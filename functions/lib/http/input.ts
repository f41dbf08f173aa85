/**
 * Getting the image(s) out of a request: a raw body (`image/*` or `application/octet-stream`),
 * `multipart/form-data` with `image` file parts, or `application/json` with base64 images
 * (`{"image": "<base64>", "filename"?}`; for a batch `{"images": [{"image", "filename"?}, ...]}`).
 *
 * @module
 */
import type { ImageFormat } from "../../../model/core/mod.ts";
import { sniffFormat } from "../../../model/core/mod.ts";
import { type BodyReadOptions, readBodyLimited } from "./body.ts";
import { decodeBase64 } from "./base64.ts";
import { ApiError } from "./errors.ts";

/**
 * One uploaded image: its bytes, the format to decode it as (`undefined`: unknown) and the name
 * the client gave it (a multipart part's filename or a JSON item's `filename`), if any.
 */
export interface ImageInput {
  bytes: Uint8Array;
  format?: ImageFormat;
  filename?: string;
}

const MEDIA_TYPES: Record<string, ImageFormat> = {
  "image/bmp": "bmp",
  "image/x-bmp": "bmp",
  "image/x-ms-bmp": "bmp",
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/pjpeg": "jpeg",
  "image/tiff": "tiff",
  "image/tif": "tiff",
};

const ACCEPTED =
  "image/bmp, image/png, image/jpeg, image/tiff, application/octet-stream, multipart/form-data or application/json";
const SINGLE_JSON = '{"image": "<base64>", "filename": "<optional name>"}';
const BATCH_JSON = '{"images": [{"image": "<base64>", "filename": "<optional name>"}, ...]}';

/**
 * The format of `bytes`: the magic bytes win (a mislabelled PNG is still decoded as PNG); the
 * declared media type is used only when the bytes match no known signature, so the decoder can
 * say what is wrong with them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(pickFormat(new Uint8Array([0xff, 0xd8, 0xff]), "image/png"), "jpeg"); // the bytes win
 * assert.equal(pickFormat(new Uint8Array([0, 0, 0]), "image/tiff"), "tiff"); // else the declared type
 * ```
 */
export function pickFormat(bytes: Uint8Array, mediaType: string | undefined): ImageFormat | undefined {
  const declared = mediaType ? MEDIA_TYPES[mediaType] : undefined;
  return sniffFormat(bytes) ?? declared;
}

function mediaTypeOf(header: string | null | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

function unsupportedType(type: string): ApiError {
  return new ApiError(415, "unsupported_media_type", `content type "${type}" is not accepted; send ${ACCEPTED}`);
}

/** Limits and the kind of route for {@link readImages}. */
export interface ReadImagesOptions {
  /** Most bytes of the body (raw, multipart or JSON); each image decoded from base64 is bounded by it too. */
  maxBodyBytes: number;
  /** Most images (413 `too_many_images` past it). */
  max: number;
  /**
   * A batch route: multipart `image` parts or JSON `{"images": [...]}` only (a raw body is 415).
   * Otherwise raw, multipart or JSON `{"image": ...}`.
   */
  batch?: boolean;
  /** Read deadline and shutdown flag (see `readBodyLimited`). */
  body?: BodyReadOptions;
}

/**
 * Reads the image(s) of a request, enforcing the body limit. For a raw body the result has one
 * image. For multipart, every `image` file part in order (`max` at most: 413 `too_many_images`
 * past it); 400 `missing_image_field` when there is none. For JSON, the base64 image(s) of
 * `{"image"}` (or, for a batch, `{"images": [...]}`): 400 `invalid_json` when the body is not
 * JSON, `invalid_body` when it has another shape, `invalid_base64` when an image is not base64.
 * `limits.body` sets the read deadline (408 `request_timeout`) and says when the server is
 * stopping (see `readBodyLimited`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const png = await Deno.readFile("tests/fixtures/images/variant_rgb8.png");
 * const form = new FormData();
 * form.append("image", new File([png], "cell.png", { type: "image/png" }));
 * form.append("image", new File([png], "cell2.png"));
 * const req = new Request("http://x/v1/predict/batch", { method: "POST", body: form }); // a route reads c.req.raw
 * const images = await readImages(req, { maxBodyBytes: 20e6, max: 16, batch: true });
 * assert.deepEqual(images.map((i) => [i.format, i.bytes.length, i.filename]), [
 *   ["png", png.length, "cell.png"],
 *   ["png", png.length, "cell2.png"],
 * ]);
 * const json = new Request("http://x/v1/predict", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ image: png.toBase64(), filename: "a.png" }),
 * });
 * const [one] = await readImages(json, { maxBodyBytes: 20e6, max: 1 });
 * assert.deepEqual([one.format, one.bytes.length, one.filename], ["png", png.length, "a.png"]);
 * ```
 */
export async function readImages(req: Request, limits: ReadImagesOptions): Promise<ImageInput[]> {
  const type = mediaTypeOf(req.headers.get("content-type"));
  const isMultipart = type === "multipart/form-data";
  const isJson = type === "application/json";
  const isRaw = type === "" || type === "application/octet-stream" || type in MEDIA_TYPES;
  if (limits.batch && !isMultipart && !isJson) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `send multipart/form-data with one \`image\` file part per image, or application/json ${BATCH_JSON} (got "${
        type || "no content type"
      }")`,
    );
  }
  if (!isMultipart && !isRaw && !isJson) throw unsupportedType(type);
  const body = await readBodyLimited(req, limits.maxBodyBytes, limits.body);
  if (isJson) return jsonImages(body, limits);
  if (!isMultipart) return [{ bytes: body, format: pickFormat(body, type || undefined) }];

  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": req.headers.get("content-type")! },
    }).formData();
  } catch {
    throw new ApiError(
      400,
      "malformed_multipart",
      "the multipart body could not be parsed; check the boundary and send the file in a part named `image`",
    );
  }
  const parts = form.getAll("image");
  if (parts.length === 0) {
    throw new ApiError(
      400,
      "missing_image_field",
      "no `image` field in the form; send the file in a part named `image`",
    );
  }
  tooMany(parts.length, limits.max);
  const images: ImageInput[] = [];
  for (const part of parts) {
    if (typeof part === "string") {
      throw new ApiError(
        400,
        "missing_image_field",
        "the `image` field is text; send it as a file part (filename and bytes)",
      );
    }
    const bytes = new Uint8Array(await part.arrayBuffer());
    const partType = mediaTypeOf(part.type);
    images.push({
      bytes,
      format: pickFormat(bytes, partType || undefined),
      ...(part.name ? { filename: part.name } : {}),
    });
  }
  return images;
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
 * Parses a JSON body. 400 `invalid_json` when it is not JSON; `shape` names what to send.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiError } from "./errors.ts";
 * assert.deepEqual(parseJsonBody(new TextEncoder().encode('{"a":1}'), "{}"), { a: 1 });
 * assert.throws(() => parseJsonBody(new TextEncoder().encode("{"), "{}"), (e) => e instanceof ApiError && e.code === "invalid_json");
 * ```
 */
export function parseJsonBody(body: Uint8Array, shape: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    throw new ApiError(
      400,
      "invalid_json",
      `the body is not valid JSON (${(err as Error).message.slice(0, 120)}); send ${shape}`,
    );
  }
}

function invalidBody(what: string, shape: string): ApiError {
  return new ApiError(400, "invalid_body", `${what}; send ${shape}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The image of one JSON item (`where`: its path in the body, for messages). */
function jsonImage(item: unknown, where: string, shape: string, maxBytes: number): ImageInput {
  if (!isObject(item)) throw invalidBody(`${where || "the body"} is not a JSON object`, shape);
  const at = (key: string) => (where ? `${where}.${key}` : `\`${key}\``);
  if (typeof item.image !== "string") {
    throw invalidBody(`${at("image")} is ${item.image === undefined ? "missing" : "not a string"}`, shape);
  }
  if (item.filename !== undefined && typeof item.filename !== "string") {
    throw invalidBody(`${at("filename")} is not a string`, shape);
  }
  const { bytes, mediaType } = decodeBase64(item.image, { maxBytes, what: at("image") });
  return {
    bytes,
    format: pickFormat(bytes, mediaType),
    ...(item.filename ? { filename: item.filename } : {}),
  };
}

function jsonImages(body: Uint8Array, limits: ReadImagesOptions): ImageInput[] {
  if (!limits.batch) {
    const json = parseJsonBody(body, SINGLE_JSON);
    if (isObject(json) && json.image === undefined && Array.isArray(json.images)) {
      throw invalidBody(
        "this route takes one image (`image`), not `images`; send several to /v1/predict/batch",
        SINGLE_JSON,
      );
    }
    return [jsonImage(json, "", SINGLE_JSON, limits.maxBodyBytes)];
  }
  const json = parseJsonBody(body, BATCH_JSON);
  if (!isObject(json) || !Array.isArray(json.images)) {
    throw invalidBody("`images` is missing or not an array", BATCH_JSON);
  }
  if (json.images.length === 0) throw invalidBody("`images` is empty", BATCH_JSON);
  tooMany(json.images.length, limits.max);
  return json.images.map((item, i) => jsonImage(item, `images[${i}]`, BATCH_JSON, limits.maxBodyBytes));
}
