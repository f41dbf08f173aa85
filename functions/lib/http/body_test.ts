import assert from "node:assert/strict";
import { readBodyLimited } from "./body.ts";
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
