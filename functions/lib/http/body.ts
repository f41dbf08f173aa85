/**
 * Reading a request body with a hard size limit: the declared `Content-Length` is checked first,
 * then the streamed bytes are counted (a lying or absent length cannot get past the limit).
 *
 * @module
 */
import { ApiError } from "./errors.ts";

/**
 * The whole body as bytes; 413 `body_too_large` past `maxBytes`, 400 `empty_body` when empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiError } from "./errors.ts";
 * const bytes = await readBodyLimited(new Request("http://x/", { method: "POST", body: "hi" }), 1024);
 * assert.equal(bytes.length, 2);
 * await assert.rejects(
 *   readBodyLimited(new Request("http://x/", { method: "POST", body: "too long" }), 4),
 *   (e) => e instanceof ApiError && e.code === "body_too_large",
 * );
 * ```
 */
export async function readBodyLimited(req: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new ApiError(
      413,
      "body_too_large",
      `request body is larger than the ${maxBytes}-byte limit; send a smaller image (or one image per request)`,
    );
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) throw tooLarge();
  if (!req.body) throw emptyBody();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, "empty_body", "the request body could not be read completely; send it again");
  } finally {
    reader.releaseLock();
  }
  if (total === 0) throw emptyBody();
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function emptyBody(): ApiError {
  return new ApiError(
    400,
    "empty_body",
    "the request body is empty; send the image bytes, or multipart with an `image` file part",
  );
}
