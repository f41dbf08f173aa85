/**
 * The one error type every image decoder throws, with a machine-readable `code` the service maps
 * to an HTTP answer.
 *
 * @module
 */

/**
 * Why an image was refused:
 * - `corrupt_image`: the bytes are not a valid image (garbage, truncated, bad checksum);
 * - `unsupported_image`: a valid file using a feature this service does not decode;
 * - `too_many_pixels` / `too_small`: the header's size is outside the allowed limits;
 * - `too_much_work`: the file asks for far more decoding work than its declared size justifies
 *   (compressed data inflating past the pixels, thousands of tiny tiles, hundreds of JPEG scans).
 */
export type ImageErrorCode = "corrupt_image" | "unsupported_image" | "too_many_pixels" | "too_small" | "too_much_work";

/**
 * Thrown for every image the decoders refuse; `message` says what is wrong and what to send instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * try {
 *   throw new ImageDecodeError("corrupt_image", "png: file ends inside a chunk; re-export the image");
 * } catch (e) {
 *   assert.ok(e instanceof ImageDecodeError);
 *   assert.equal(e.code, "corrupt_image");
 * }
 * ```
 */
export class ImageDecodeError extends Error {
  override name = "ImageDecodeError";
  /** Machine-readable reason. */
  readonly code: ImageErrorCode;

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Throws a `corrupt_image` error; for use in expressions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const count = (n: number) => n <= 4 ? n : corrupt("bmp: bad count; re-export the image");
 * assert.equal(count(3), 3);
 * assert.throws(() => count(9), ImageDecodeError);
 * ```
 */
export function corrupt(message: string): never {
  throw new ImageDecodeError("corrupt_image", message);
}

/**
 * Throws an `unsupported_image` error; for use in expressions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const check = (depth: number) => {
 *   if (depth !== 8) unsupported("tiff: 16-bit samples are not supported; save as 8-bit");
 * };
 * check(8);
 * assert.throws(() => check(16), ImageDecodeError);
 * ```
 */
export function unsupported(message: string): never {
  throw new ImageDecodeError("unsupported_image", message);
}

/**
 * Throws a `too_much_work` error; for use in expressions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const scans = (n: number) => n <= 100 ? n : tooMuchWork("jpeg: 1000 scans; re-save the image");
 * assert.equal(scans(10), 10);
 * assert.throws(() => scans(1000), (e: unknown) => e instanceof ImageDecodeError && e.code === "too_much_work");
 * ```
 */
export function tooMuchWork(message: string): never {
  throw new ImageDecodeError("too_much_work", message);
}
