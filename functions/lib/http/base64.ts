/**
 * Base64 in JSON bodies (`/v1/*` with `application/json`, OIP v2 `BYTES` tensors): the text is
 * checked and its decoded size bounded BEFORE anything is decoded, so a JSON body within the
 * body limit cannot make the service allocate more than `maxBytes` for one image.
 *
 * @module
 */
import { ApiError } from "./errors.ts";

/** What {@link decodeBase64} found: the bytes and, for a `data:` URL, its declared media type. */
export interface DecodedBase64 {
  bytes: Uint8Array;
  /** `image/png` of `data:image/png;base64,...` (lower case); `undefined` for plain base64. */
  mediaType?: string;
}

/** A `data:` URL prefix with `;base64` (any media type and parameters before it). */
const DATA_URL = /^data:([^,;]*)(?:;[^,;]*)*;base64,/i;
/** Standard or URL-safe alphabet, ASCII whitespace anywhere, at most two `=` at the end. */
const BASE64_TEXT = /^[A-Za-z0-9+/\-_\t\n\f\r ]*(?:=[\t\n\f\r ]*){0,2}$/;

/**
 * The decoded size of `length` base64 characters, an upper bound taken before decoding (exact for
 * `length` data characters; padding and whitespace counted in make it larger, never smaller).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(base64DecodedBound(8), 6); // "aGVsbG8h" → "hello!"
 * assert.equal(base64DecodedBound(7), 5);
 * ```
 */
export function base64DecodedBound(length: number): number {
  return Math.floor((length * 3) / 4);
}

/**
 * Decodes base64 (standard or URL-safe, padding optional, whitespace ignored, an optional
 * `data:<type>;base64,` prefix) into bytes. Throws 413 `body_too_large` when the text could
 * decode to more than `maxBytes` (checked before decoding) and 400 `invalid_base64` when it is not
 * base64; `what` names the field in the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiError } from "./errors.ts";
 * assert.deepEqual(decodeBase64("aGk=", { maxBytes: 10 }).bytes, new TextEncoder().encode("hi"));
 * const url = decodeBase64("data:image/png;base64,iVBORw", { maxBytes: 10 });
 * assert.deepEqual([url.mediaType, url.bytes[1]], ["image/png", 0x50]); // "P" of the PNG signature
 * assert.throws(() => decodeBase64("not base64!", { maxBytes: 100 }), (e) => e instanceof ApiError && e.code === "invalid_base64");
 * assert.throws(() => decodeBase64("AAAAAAAA", { maxBytes: 5 }), (e) => e instanceof ApiError && e.status === 413);
 * ```
 */
export function decodeBase64(text: string, options: { maxBytes: number; what?: string }): DecodedBase64 {
  const what = options.what ?? "image";
  let payload = text;
  let mediaType: string | undefined;
  const url = DATA_URL.exec(text.slice(0, 256));
  if (url) {
    mediaType = url[1].trim().toLowerCase() || undefined;
    payload = text.slice(url[0].length);
  } else if (/^data:/i.test(text)) {
    throw invalid(what, "it is a data: URL without ;base64; send data:<type>;base64,<base64> or plain base64");
  }
  // the quick bound counts whitespace and padding; only near the limit are they counted out
  if (
    base64DecodedBound(payload.length) > options.maxBytes && base64DecodedBound(dataChars(payload)) > options.maxBytes
  ) {
    throw new ApiError(
      413,
      "body_too_large",
      `${what} decodes to more than the ${options.maxBytes}-byte limit; send a smaller image`,
    );
  }
  if (!BASE64_TEXT.test(payload)) {
    throw invalid(what, "it has characters outside the base64 alphabet");
  }
  const standard = payload.replace(/[\t\n\f\r ]/g, "").replaceAll("-", "+").replaceAll("_", "/");
  if (standard.replace(/=+$/, "").length % 4 === 1) throw invalid(what, "its length is not valid base64");
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  try {
    if (fromBase64) return { bytes: fromBase64(padded(standard)), mediaType };
    const binary = atob(standard);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return { bytes, mediaType };
  } catch {
    throw invalid(what, "it could not be decoded");
  }
}

/** Characters of `s` that carry data (not whitespace or `=`), counted without copying `s`. */
function dataChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 0x3d || c === 0x20 || (c >= 0x09 && c <= 0x0d))) n++;
  }
  return n;
}

/** `s` with `=` padding to a multiple of 4 (`Uint8Array.fromBase64` wants it unless told otherwise). */
function padded(s: string): string {
  const bare = s.replace(/=+$/, "");
  return bare + "=".repeat((4 - (bare.length % 4)) % 4);
}

function invalid(what: string, why: string): ApiError {
  return new ApiError(
    400,
    "invalid_base64",
    `${what} is not valid base64 (${why}); encode the file's bytes as base64, optionally as a data:<type>;base64, URL`,
  );
}
