/**
 * Getting the image(s) out of a request: a raw body (`image/*` or `application/octet-stream`)
 * or `multipart/form-data` with `image` file parts.
 *
 * @module
 */
import type { ImageFormat } from "../../../model/core/mod.ts";
import { sniffFormat } from "../../../model/core/mod.ts";
import { type BodyReadOptions, readBodyLimited } from "./body.ts";
import { ApiError } from "./errors.ts";

/** One uploaded image: its bytes and the format to decode it as (`undefined`: unknown). */
export interface ImageInput {
  bytes: Uint8Array;
  format?: ImageFormat;
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

const ACCEPTED = "image/bmp, image/png, image/jpeg, image/tiff, application/octet-stream or multipart/form-data";

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

/**
 * Reads the image(s) of a request, enforcing the body limit. For a raw body the result has one
 * image. For multipart, every `image` file part in order (`max` at most: 413 `too_many_images`
 * past it); 400 `missing_image_field` when there is none. `limits.body` sets the read deadline
 * (408 `request_timeout`) and says when the server is stopping (see `readBodyLimited`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const png = await Deno.readFile("tests/fixtures/images/variant_rgb8.png");
 * const form = new FormData();
 * form.append("image", new File([png], "cell.png", { type: "image/png" }));
 * form.append("image", new File([png], "cell2.png"));
 * const req = new Request("http://x/v1/predict/batch", { method: "POST", body: form }); // a route reads c.req.raw
 * const images = await readImages(req, { maxBodyBytes: 20e6, max: 16 });
 * assert.deepEqual(images.map((i) => [i.format, i.bytes.length]), [["png", png.length], ["png", png.length]]);
 * ```
 */
export async function readImages(
  req: Request,
  limits: { maxBodyBytes: number; max: number; multipartOnly?: boolean; body?: BodyReadOptions },
): Promise<ImageInput[]> {
  const type = mediaTypeOf(req.headers.get("content-type"));
  const isMultipart = type === "multipart/form-data";
  const isRaw = type === "" || type === "application/octet-stream" || type in MEDIA_TYPES;
  if (limits.multipartOnly && !isMultipart) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `send multipart/form-data with one \`image\` file part per image (got "${type || "no content type"}")`,
    );
  }
  if (!isMultipart && !isRaw) throw unsupportedType(type);
  const body = await readBodyLimited(req, limits.maxBodyBytes, limits.body);
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
  if (parts.length > limits.max) {
    throw new ApiError(
      413,
      "too_many_images",
      `${parts.length} images in one request; at most ${limits.max} are accepted, split them into several requests`,
    );
  }
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
    images.push({ bytes, format: pickFormat(bytes, partType || undefined) });
  }
  return images;
}
