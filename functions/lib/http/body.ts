/**
 * Reading a request body with a hard size limit and a deadline: the declared `Content-Length` is
 * checked first, then the streamed bytes are counted (a lying or absent length cannot get past
 * the limit), and a body that has not fully arrived within `BODY_TIMEOUT_MS` is cut with 408
 * `request_timeout` (a client trickling bytes cannot hold the request open).
 *
 * @module
 */
import { ApiError } from "./errors.ts";

/** How a body is read besides its size limit. */
export interface BodyReadOptions {
  /** The whole body must have arrived within this many ms of starting to read it (0: no limit). */
  timeoutMs?: number;
  /**
   * Whether the server is shutting down: a body cut off while it is (the runtime closes uploads
   * still running when the grace period ends) is answered 503 `shutting_down`, not 400.
   */
  stopping?: () => boolean;
}

/**
 * The error of a body that did not arrive in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = bodyTimeout(30_000);
 * assert.deepEqual([e.status, e.code], [408, "request_timeout"]);
 * ```
 */
export function bodyTimeout(ms: number): ApiError {
  return new ApiError(
    408,
    "request_timeout",
    `the request body did not arrive within ${ms} ms; send it again over a faster connection, or a smaller image`,
  );
}

/**
 * The error of a request cut off by the server shutting down.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([shuttingDown().status, shuttingDown().code], [503, "shutting_down"]);
 * ```
 */
export function shuttingDown(): ApiError {
  return new ApiError(503, "shutting_down", "the server is shutting down; retry on another instance or in a moment");
}

/**
 * The whole body as bytes; 413 `body_too_large` past `maxBytes`, 400 `empty_body` when empty,
 * 408 `request_timeout` when it is not complete within `options.timeoutMs`.
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
 * const trickle = new ReadableStream({ pull: () => new Promise(() => {}) }); // a client that stops sending
 * await assert.rejects(
 *   readBodyLimited(new Request("http://x/", { method: "POST", body: trickle }), 1024, { timeoutMs: 50 }),
 *   (e) => e instanceof ApiError && e.status === 408 && e.code === "request_timeout",
 * );
 * ```
 */
export async function readBodyLimited(
  req: Request,
  maxBytes: number,
  options: BodyReadOptions = {},
): Promise<Uint8Array> {
  const tooLarge = () =>
    new ApiError(
      413,
      "body_too_large",
      `request body is larger than the ${maxBytes}-byte limit; send a smaller image (or one image per request)`,
    );
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) throw tooLarge();
  if (!req.body) throw emptyBody();
  const chunks = compactChunks();
  // A byte stream (Deno.serve's and workerd's request bodies) is read into our own buffer: the
  // default reader would allocate a fresh 64 KiB buffer for every read, even of one byte, which a
  // client trickling bytes turns into garbage faster than the collector frees it. Small reads are
  // copied out and the buffer reused, so memory follows the bytes received, not the reads.
  const byob = byobReader(req.body);
  const reader = byob ?? req.body.getReader();
  let scratch = new ArrayBuffer(STAGE_BYTES); // what a BYOB read fills; reused while its bytes are copied out
  const read = byob
    ? async () => {
      const r = await byob.read(new Uint8Array(scratch));
      if (r.done) return undefined;
      const kept = chunks.add(r.value!);
      scratch = kept ? new ArrayBuffer(STAGE_BYTES) : r.value!.buffer as ArrayBuffer;
      return r.value!.byteLength;
    }
    : async () => {
      const r = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      if (r.done) return undefined;
      chunks.add(r.value);
      return r.value.byteLength;
    };
  let total = 0;
  const timeoutMs = options.timeoutMs ?? 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = timeoutMs > 0
    ? new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(bodyTimeout(timeoutMs)), timeoutMs);
    })
    : undefined;
  try {
    while (true) {
      const n = await (expired ? Promise.race([read(), expired]) : read());
      if (n === undefined) break;
      total += n;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
    }
  } catch (err) {
    if (err instanceof ApiError) {
      if (err.code === "request_timeout") await reader.cancel().catch(() => undefined);
      throw err;
    }
    if (options.stopping?.()) throw shuttingDown();
    throw new ApiError(400, "empty_body", "the request body could not be read completely; send it again");
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  if (total === 0) throw emptyBody();
  return chunks.join(total);
}

function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    return undefined; // not a byte stream
  }
}

/** Below this size a chunk is copied into a shared buffer rather than kept. */
const SMALL_CHUNK = 16 * 1024;
const STAGE_BYTES = 64 * 1024;

/** Chunks of a body being read, kept compactly (see {@link compactChunks}). */
export interface CompactChunks {
  /**
   * Keeps a copy of `value` (false: its buffer may be reused) or `value` itself (true: its
   * buffer must not be changed afterwards).
   */
  add(value: Uint8Array): boolean;
  /** The bytes in order (`total`: their sum); the list is not to be used afterwards. */
  join(total: number): Uint8Array;
  /** Bytes of the buffers held now, spare room included. */
  retainedBytes(): number;
}

/**
 * A list for the chunks of a body, kept compactly: a runtime may hand out each read as a small
 * view of a large buffer (Deno 2.9: a 1-byte read keeps a 64 KiB buffer alive), so a client
 * trickling a byte at a time would pin 64 KiB per byte. Small chunks are copied into one 64 KiB
 * buffer at a time and a larger view of a larger buffer is copied out, so a body holds its size
 * plus at most one 64 KiB buffer being filled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const chunks = compactChunks(); // readBodyLimited keeps what it reads in one
 * for (let i = 0; i < 1000; i++) chunks.add(new Uint8Array(new ArrayBuffer(65536), 0, 1).fill(i % 256));
 * assert.ok(chunks.retainedBytes() <= 65536); // not 1000 × 64 KiB
 * const bytes = chunks.join(1000);
 * assert.deepEqual([bytes.length, bytes[999]], [1000, 999 % 256]);
 * ```
 */
export function compactChunks(): CompactChunks {
  const chunks: Uint8Array[] = [];
  let stage: Uint8Array | undefined;
  let staged = 0;
  const flush = () => {
    if (stage && staged > 0) {
      chunks.push(staged < stage.byteLength ? stage.slice(0, staged) : stage);
    }
    stage = undefined;
    staged = 0;
  };
  return {
    add(value) {
      if (value.byteLength >= SMALL_CHUNK) {
        flush();
        const whole = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength;
        chunks.push(whole ? value : value.slice()); // a view of a larger buffer: copy it out
        return whole;
      }
      if (!stage || staged + value.byteLength > stage.byteLength) {
        flush();
        stage = new Uint8Array(STAGE_BYTES);
      }
      stage.set(value, staged);
      staged += value.byteLength;
      return false;
    },
    retainedBytes() {
      return chunks.reduce((a, c) => a + c.buffer.byteLength, stage?.byteLength ?? 0);
    },
    join(total) {
      flush();
      if (chunks.length === 1) return chunks[0];
      const out = new Uint8Array(total);
      let offset = 0;
      for (const c of chunks) {
        out.set(c, offset);
        offset += c.byteLength;
      }
      return out;
    },
  };
}

function emptyBody(): ApiError {
  return new ApiError(
    400,
    "empty_body",
    "the request body is empty; send the image bytes, or multipart with an `image` file part",
  );
}
