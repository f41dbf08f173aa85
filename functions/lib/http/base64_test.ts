import assert from "node:assert/strict";
import { base64DecodedBound, decodeBase64 } from "./base64.ts";
import { ApiError } from "./errors.ts";
import { fixture } from "../../../tests/helpers/images.ts";

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof ApiError ? [e.status, e.code] : ["not an ApiError", String(e)];
  }
  return ["no error"];
};

Deno.test("decodeBase64: a real image round-trips in every accepted spelling", async () => {
  const png = await fixture("variant_palette4.png");
  const b64 = png.toBase64();
  const urlSafe = png.toBase64({ alphabet: "base64url", omitPadding: true });
  assert.notEqual(b64, urlSafe, "the fixture exercises + / and padding");
  for (
    const text of [
      b64,
      urlSafe,
      `data:image/png;base64,${b64}`,
      `DATA:image/png;name=cell.png;base64,${b64}`,
      b64.replace(/(.{76})/g, "$1\r\n"), // MIME line breaks
    ]
  ) {
    assert.deepEqual(decodeBase64(text, { maxBytes: png.length }).bytes, png, text.slice(0, 40));
  }
  assert.equal(decodeBase64(`data:image/png;base64,${b64}`, { maxBytes: png.length }).mediaType, "image/png");
  assert.equal(decodeBase64(b64, { maxBytes: png.length }).mediaType, undefined);
});

Deno.test("decodeBase64: the size is bounded before decoding, exactly at the limit", () => {
  // 12 characters decode to at most 9 bytes ("aGVsbG8gd29y" = "hello wor")
  assert.equal(base64DecodedBound(12), 9);
  assert.equal(decodeBase64("aGk=", { maxBytes: 2 }).bytes.length, 2); // padding is not counted against the limit
  assert.equal(new TextDecoder().decode(decodeBase64("aGVsbG8gd29y", { maxBytes: 9 }).bytes), "hello wor");
  assert.deepEqual(code(() => decodeBase64("aGVsbG8gd29y", { maxBytes: 8 })), [413, "body_too_large"]);
  // the bound is checked before the alphabet: a huge invalid text is refused for its size
  assert.deepEqual(code(() => decodeBase64("!".repeat(1000), { maxBytes: 10 })), [413, "body_too_large"]);
});

Deno.test("decodeBase64: what is not base64 is 400 invalid_base64 naming the field", () => {
  for (const text of ["aGk=aGk=", "a", "aGk*", "data:image/png,iVBORw", "aGk==="]) {
    assert.deepEqual(code(() => decodeBase64(text, { maxBytes: 100 })), [400, "invalid_base64"], text);
  }
  assert.throws(
    () => decodeBase64("%%", { maxBytes: 100, what: "images[3].image" }),
    /images\[3\]\.image is not valid base64/,
  );
  assert.equal(decodeBase64("", { maxBytes: 100 }).bytes.length, 0); // empty: the pipeline answers empty_body
});
