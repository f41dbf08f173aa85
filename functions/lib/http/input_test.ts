import assert from "node:assert/strict";
import { readImages } from "./input.ts";
import { ApiError } from "./errors.ts";
import { fixture } from "../../../tests/helpers/images.ts";

const json = (body: unknown, type = "application/json") =>
  new Request("http://x/", {
    method: "POST",
    headers: { "content-type": type },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function failure(p: Promise<unknown>): Promise<[number, string, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return [e.status, e.code, e.message];
    throw e;
  }
  throw new Error("expected an ApiError");
}

Deno.test("readImages: JSON base64 images with their filenames; the bytes decide the format", async () => {
  const png = await fixture("cnmc_hem_UID_H10_100_1_hem.png");
  const jpg = await fixture("taleqani_Benign_WBC-Benign-001.jpg");
  const [one] = await readImages(json({ image: jpg.toBase64(), filename: "a.jpg" }), { maxBodyBytes: 1e6, max: 1 });
  assert.deepEqual([one.bytes, one.format, one.filename], [jpg, "jpeg", "a.jpg"]);
  const batch = await readImages(
    json({
      images: [
        { image: `data:image/jpeg;base64,${png.toBase64()}` }, // a mislabelled data: URL: the bytes win
        { image: jpg.toBase64({ alphabet: "base64url" }), filename: "b.jpg" },
      ],
    }, "application/json; charset=utf-8"),
    { maxBodyBytes: 1e6, max: 2, batch: true },
  );
  assert.deepEqual(batch.map((i) => [i.format, i.bytes.length, i.filename]), [
    ["png", png.length, undefined],
    ["jpeg", jpg.length, "b.jpg"],
  ]);
  assert.ok(!("filename" in batch[0]), "no filename given: the key is absent");
});

Deno.test("readImages: multipart parts keep their filenames", async () => {
  const png = await fixture("variant_grey8.png");
  const form = new FormData();
  form.append("image", new File([png], "left.png"));
  form.append("image", new File([png], "right.png", { type: "image/png" }));
  const req = new Request("http://x/", { method: "POST", body: form });
  const images = await readImages(req, { maxBodyBytes: 1e6, max: 2, batch: true });
  assert.deepEqual(images.map((i) => i.filename), ["left.png", "right.png"]);
});

Deno.test("readImages: malformed JSON bodies get 400 invalid_json / invalid_body / invalid_base64", async () => {
  const single = { maxBodyBytes: 1e6, max: 1 };
  const batch = { maxBodyBytes: 1e6, max: 3, batch: true };
  const cases: [Request, typeof single | typeof batch, number, string, RegExp][] = [
    [json("{"), single, 400, "invalid_json", /not valid JSON.*"image"/],
    [json("[1, 2"), batch, 400, "invalid_json", /"images"/],
    [json([]), single, 400, "invalid_body", /the body is not a JSON object/],
    [json({}), single, 400, "invalid_body", /`image` is missing/],
    [json({ image: 5 }), single, 400, "invalid_body", /`image` is not a string/],
    [json({ image: "aGk=", filename: 3 }), single, 400, "invalid_body", /`filename` is not a string/],
    [json({ images: ["aGk="] }), single, 400, "invalid_body", /predict\/batch/],
    [json({ image: "aGk*" }), single, 400, "invalid_base64", /`image` is not valid base64/],
    [json({ image: "aGk=" }), batch, 400, "invalid_body", /`images` is missing/],
    [json({ images: [] }), batch, 400, "invalid_body", /`images` is empty/],
    [json({ images: [{ image: "aGk=" }, "aGk="] }), batch, 400, "invalid_body", /images\[1\] is not a JSON object/],
    [json({ images: [{ image: "aGk=" }, { image: "a" }] }), batch, 400, "invalid_base64", /images\[1\]\.image/],
    [json({ images: Array(4).fill({ image: "aGk=" }) }), batch, 413, "too_many_images", /at most 3/],
  ];
  for (const [req, limits, status, code, message] of cases) {
    const [s, c, m] = await failure(readImages(req, limits));
    assert.deepEqual([s, c], [status, code], m);
    assert.match(m, message);
  }
});

Deno.test("readImages: the body limit counts the JSON bytes; other types stay 415", async () => {
  const body = JSON.stringify({ image: "aGVsbG8gd29y" }); // 24 bytes
  assert.equal(body.length, 24);
  assert.equal((await readImages(json(body), { maxBodyBytes: 24, max: 1 }))[0].bytes.length, 9);
  assert.deepEqual((await failure(readImages(json(body), { maxBodyBytes: 23, max: 1 }))).slice(0, 2), [
    413,
    "body_too_large",
  ]);
  for (const type of ["text/plain", "application/xml", "application/jsonx"]) {
    const [s, c] = await failure(readImages(json(body, type), { maxBodyBytes: 1e3, max: 1 }));
    assert.deepEqual([s, c], [415, "unsupported_media_type"], type);
  }
  const [s, c, m] = await failure(readImages(json(body, "image/png"), { maxBodyBytes: 1e3, max: 2, batch: true }));
  assert.deepEqual([s, c], [415, "unsupported_media_type"]);
  assert.match(m, /multipart\/form-data.*application\/json/);
});
