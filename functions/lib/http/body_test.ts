import assert from "node:assert/strict";
import { compactChunks, readBodyLimited } from "./body.ts";
import { ApiError } from "./errors.ts";

const post = (body: BodyInit | null, headers: HeadersInit = {}) =>
  new Request("http://x/", { method: "POST", body, headers });

function streamOf(parts: number[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(ctl) {
      for (const n of parts) ctl.enqueue(new Uint8Array(n).fill(7));
      ctl.close();
    },
  });
}

Deno.test("readBodyLimited: returns the bytes, joining chunks", async () => {
  const bytes = await readBodyLimited(post(streamOf([3, 4, 5])), 12);
  assert.equal(bytes.length, 12);
  assert.ok(bytes.every((b) => b === 7));
});

Deno.test("readBodyLimited: declared Content-Length over the limit is refused before reading", async () => {
  const req = post("tiny", { "content-length": "999999" });
  await assert.rejects(
    readBodyLimited(req, 100),
    (e: unknown) => e instanceof ApiError && e.status === 413 && e.code === "body_too_large",
  );
});

Deno.test("readBodyLimited: streamed bytes are counted when the length is absent or lies", async () => {
  await assert.rejects(
    readBodyLimited(post(streamOf([60, 60])), 100),
    (e: unknown) => e instanceof ApiError && e.status === 413,
  );
  await assert.rejects(
    readBodyLimited(post(streamOf([60, 60]), { "content-length": "10" }), 100),
    (e: unknown) => e instanceof ApiError && e.status === 413,
  );
});

Deno.test("readBodyLimited: empty or missing body is 400 empty_body", async () => {
  await assert.rejects(
    readBodyLimited(post(null), 100),
    (e: unknown) => e instanceof ApiError && e.code === "empty_body",
  );
  await assert.rejects(
    readBodyLimited(post(new Uint8Array()), 100),
    (e: unknown) => e instanceof ApiError && e.status === 400,
  );
});

Deno.test("readBodyLimited: a body that stops arriving is cut at timeoutMs with 408; the stream is cancelled", async () => {
  let cancelled = false;
  let pulls = 0;
  const trickle = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      pulls++;
      if (pulls > 3) return await new Promise<void>(() => {}); // then nothing more comes
      ctl.enqueue(new Uint8Array(1));
    },
    cancel() {
      cancelled = true;
    },
  });
  await assert.rejects(
    readBodyLimited(post(trickle), 1000, { timeoutMs: 30 }),
    (e: unknown) => e instanceof ApiError && e.status === 408 && e.code === "request_timeout",
  );
  assert.ok(cancelled, "the upload is cancelled, not left reading");
  // a body that arrives in time is not affected by the deadline
  assert.equal((await readBodyLimited(post(streamOf([5, 5])), 100, { timeoutMs: 1000 })).length, 10);
});

Deno.test("readBodyLimited: a body cut while the server stops is 503 shutting_down, otherwise 400 empty_body", async () => {
  const cut = () =>
    new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(new Uint8Array(3));
        ctl.error(new Error("BadResource: Cannot read body"));
      },
    });
  await assert.rejects(
    readBodyLimited(post(cut()), 100, { stopping: () => true }),
    (e: unknown) => e instanceof ApiError && e.status === 503 && e.code === "shutting_down",
  );
  await assert.rejects(
    readBodyLimited(post(cut()), 100, { stopping: () => false }),
    (e: unknown) => e instanceof ApiError && e.status === 400 && e.code === "empty_body",
  );
});

Deno.test("compactChunks: any mix of small views and large chunks joins in order; small views do not pin their buffers", () => {
  let seed = 5;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const chunks = compactChunks();
  const expected: number[] = [];
  let maxRetained = 0;
  for (let i = 0; i < 1000; i++) {
    const size = next() < 0.9 ? 1 + Math.floor(next() * 40) : 16_384 + Math.floor(next() * 50_000);
    const view = new Uint8Array(new ArrayBuffer(size + 65_536), 7, size); // a read's view of a bigger buffer
    for (let j = 0; j < size; j++) view[j] = (i + j) & 0xff;
    chunks.add(view);
    expected.push(...view);
    // what is held stays within the bytes read plus one spare 64 KiB buffer (never 64 KiB per read)
    maxRetained = Math.max(maxRetained, chunks.retainedBytes() - expected.length);
  }
  assert.ok(maxRetained <= 65_536, `held ${maxRetained} bytes beyond the body`);
  assert.deepEqual(chunks.join(expected.length), Uint8Array.from(expected));
});

/** A byte stream (as Deno.serve and workerd give request bodies) of `parts`, each byte `i % 251`. */
function byteStreamOf(parts: number[], then: "close" | "stall" = "close"): ReadableStream<Uint8Array> {
  let i = 0;
  let k = 0;
  return new ReadableStream({
    type: "bytes",
    pull(ctl) {
      if (k === parts.length) {
        if (then === "stall") return new Promise<void>(() => {});
        ctl.close();
        ctl.byobRequest?.respond(0); // a byte source ends a pending BYOB read this way
        return;
      }
      ctl.enqueue(Uint8Array.from({ length: parts[k++] }, () => i++ % 251));
    },
  });
}

Deno.test("readBodyLimited: byte streams are read into its own buffers (BYOB), with the same limits", async () => {
  const parts = [1, 1, 3, 70_000, 1, 5000, 2, 200_000, 1];
  const total = parts.reduce((a, b) => a + b, 0);
  const bytes = await readBodyLimited(post(byteStreamOf(parts)), total);
  assert.deepEqual(bytes, Uint8Array.from({ length: total }, (_, j) => j % 251));
  // 20,000 one-byte reads end up in a few 64 KiB buffers, not 20,000 of them
  const trickled = await readBodyLimited(post(byteStreamOf(Array(20_000).fill(1))), 100_000);
  assert.equal(trickled.length, 20_000);
  assert.equal(trickled.buffer.byteLength, 20_000);
  await assert.rejects(
    readBodyLimited(post(byteStreamOf(parts)), total - 1),
    (e: unknown) => e instanceof ApiError && e.code === "body_too_large",
  );
  await assert.rejects(
    readBodyLimited(post(byteStreamOf([1, 1, 1], "stall")), 100, { timeoutMs: 30 }),
    (e: unknown) => e instanceof ApiError && e.code === "request_timeout",
  );
  await assert.rejects(
    readBodyLimited(post(byteStreamOf([])), 100),
    (e: unknown) => e instanceof ApiError && e.code === "empty_body",
  );
});
