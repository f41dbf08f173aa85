/**
 * Hostile inputs against the real request path: oversized bodies (declared, streamed, lying),
 * pixel and decompression bombs, truncated files, lying headers, zero sizes, wrong content types,
 * and the decode + inference time budget. Each gets a clear 4xx (the budget a 503), never a
 * 500, and the service stays healthy afterwards.
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import type { ModelRuntime } from "../model/core/onnx/runtime.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";
import { fixture, pngHeaderOnly } from "./helpers/images.ts";
import { crc32 } from "../functions/tools/fuzz/mutators.ts";

function setup(env: Record<string, string> = {}, model: ModelRuntime = fakeRuntime()) {
  const lines: Record<string, unknown>[] = [];
  const app = createApp({ model, config: loadConfig(env), log: (r) => lines.push(r) });
  return { app, lines };
}

const post = (body: BodyInit, type?: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body,
  headers: { ...(type ? { "content-type": type } : {}), ...headers },
});

async function expect(res: Response, status: number, code: string): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${text}`);
  assert.equal(JSON.parse(text).error.code, code);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A PNG with a valid IHDR (w×h, 8-bit grey) whose IDAT is `idat`. */
function png(w: number, h: number, idat: Uint8Array): Uint8Array<ArrayBuffer> {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr[8] = 8;
  return concat(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array()),
  );
}

/** zlib stream of `n` zero bytes (n ≫ output size: a decompression bomb). */
async function zlibZeros(n: number): Promise<Uint8Array> {
  const cs = new CompressionStream("deflate");
  const w = cs.writable.getWriter();
  const block = new Uint8Array(1 << 20);
  for (let i = 0; i < n; i += block.length) w.write(block.subarray(0, Math.min(block.length, n - i)));
  w.close();
  return new Uint8Array(await new Response(cs.readable).arrayBuffer());
}

function withU32(bytes: Uint8Array, at: number, value: number, little: boolean): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, value, little);
  return out;
}

function withU16(bytes: Uint8Array, at: number, value: number, little: boolean): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  new DataView(out.buffer).setUint16(at, value, little);
  return out;
}

/** Offset of a JPEG's SOF0/SOF2 segment marker. */
function sofAt(jpeg: Uint8Array): number {
  for (let o = 2; o + 4 < jpeg.length;) {
    if (jpeg[o + 1] === 0xc0 || jpeg[o + 1] === 0xc2) return o;
    o += 2 + ((jpeg[o + 2] << 8) | jpeg[o + 3]);
  }
  throw new Error("no SOF");
}

/** Offset of the value field of a TIFF's first-IFD entry for `tag`. */
function tiffValueAt(tiff: Uint8Array, tag: number): number {
  const little = tiff[0] === 0x49;
  const v = new DataView(tiff.buffer, tiff.byteOffset);
  const ifd = v.getUint32(4, little);
  for (let i = 0; i < v.getUint16(ifd, little); i++) {
    if (v.getUint16(ifd + 2 + i * 12, little) === tag) return ifd + 2 + i * 12 + 8;
  }
  throw new Error(`no tag ${tag}`);
}

Deno.test("limits: body size 413 from Content-Length, from streamed bytes, and when the length lies", async () => {
  const { app } = setup({ MAX_BODY_BYTES: "100000" });
  const stream = () =>
    new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 4; i++) ctl.enqueue(new Uint8Array(40_000));
        ctl.close();
      },
    });
  await expect(
    await app.request("/v1/predict", post("x", "image/png", { "content-length": "100001" })),
    413,
    "body_too_large",
  );
  await expect(await app.request("/v1/predict", post(stream(), "image/png")), 413, "body_too_large");
  await expect(
    await app.request("/v1/explain", post(stream(), "image/png", { "content-length": "10" })),
    413,
    "body_too_large",
  );
  assert.equal((await app.request("/healthz")).status, 200);
});

Deno.test("limits: pixel bombs are refused from the header (tiny files declaring huge images), every format", async () => {
  const { app } = setup({ MAX_PIXELS: "1000000" });
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  const jpeg = await fixture("taleqani_Benign_WBC-Benign-001.jpg");
  const tiff = await fixture("variant_rgb_none.tif");
  const little = tiff[0] === 0x49;
  const sof = sofAt(jpeg);
  const bombs: [string, Uint8Array<ArrayBuffer>][] = [
    ["png 100000×100000 (33 bytes)", pngHeaderOnly(100_000, 100_000)],
    ["png 2000×2000", pngHeaderOnly(2000, 2000)],
    ["bmp 50000×50000, header only", withU32(withU32(bmp.slice(0, 54), 18, 50_000, true), 22, 50_000, true)],
    ["jpeg 65535×65535", withU16(withU16(jpeg, sof + 5, 65535, false), sof + 7, 65535, false)],
    [
      "tiff 60000×60000",
      withU32(withU32(tiff, tiffValueAt(tiff, 256), 60_000, little), tiffValueAt(tiff, 257), 60_000, little),
    ],
  ];
  for (const [name, bytes] of bombs) {
    for (const route of ["/v1/predict", "/v1/explain"]) {
      const res = await app.request(route, post(bytes, "application/octet-stream"));
      assert.equal(res.status, 422, `${name} on ${route}`);
      assert.equal((await res.json()).error.code, "too_many_pixels");
    }
  }
});

Deno.test("limits: a zlib bomb inside a PNG with a legal header is a 422 too_much_work, memory stays bounded", async () => {
  const { app } = setup();
  const bomb = png(64, 64, await zlibZeros(64 << 20)); // 64 MiB of zeros for a 64×64 image
  assert.ok(bomb.length < 100_000);
  const before = Deno.memoryUsage().rss;
  for (const route of ["/v1/predict", "/v1/explain"]) {
    await expect(await app.request(route, post(bomb, "image/png")), 422, "too_much_work");
  }
  // the inflater writes into a buffer of the header's size: nothing near 64 MiB is allocated
  assert.ok(Deno.memoryUsage().rss - before < 48 << 20);
  // a legal 64×64 image whose stream is short is refused as truncated
  await expect(
    await app.request("/v1/predict", post(png(64, 64, await zlibZeros(100)), "image/png")),
    400,
    "corrupt_image",
  );
  assert.equal((await app.request("/healthz")).status, 200);
});

Deno.test("limits: truncated files, lying headers and zero sizes are 400 corrupt_image, every format", async () => {
  const { app } = setup();
  const files = {
    png: await fixture("cnmc_all_UID_35_6_2_all.png"),
    bmp: await fixture("variant_rgb24_bottomup.bmp"),
    jpeg: await fixture("taleqani_Benign_WBC-Benign-001.jpg"),
    tiff: await fixture("variant_rgb_lzw.tif"),
  };
  const tl = files.tiff[0] === 0x49;
  const sof = sofAt(files.jpeg);
  const ihdrFix = (b: Uint8Array<ArrayBuffer>) => withU32(b, 29, crc32(b.subarray(12, 29)), false);
  const cases: [string, Uint8Array<ArrayBuffer>][] = [
    ...Object.entries(files).flatMap(([f, b]) =>
      [0.1, 0.5, 0.95].map((q) =>
        [`${f} cut at ${q}`, b.slice(0, Math.floor(b.length * q))] as [string, Uint8Array<ArrayBuffer>]
      )
    ),
    ["png header says 900×900, data is 450×450", ihdrFix(withU32(withU32(files.png, 16, 900, false), 20, 900, false))],
    ["png width 0", ihdrFix(withU32(files.png, 16, 0, false))],
    ["png chunk length beyond the file", withU32(files.png, 33, 0x7fffffff, false)],
    ["bmp width 0", withU32(files.bmp, 18, 0, true)],
    ["bmp height larger than the pixel data", withU32(files.bmp, 22, 4000, true)],
    ["bmp pixel offset beyond the file", withU32(files.bmp, 10, 0x7fffffff, true)],
    ["jpeg width 0", withU16(files.jpeg, sof + 7, 0, false)],
    ["jpeg segment length beyond the file", withU16(files.jpeg, 4, 0xffff, false)],
    ["tiff width 0", withU32(files.tiff, tiffValueAt(files.tiff, 256), 0, tl)],
    ["tiff strip offset beyond the file", withU32(files.tiff, tiffValueAt(files.tiff, 273), 0x7ffffff0, tl)],
    ["tiff IFD offset beyond the file", withU32(files.tiff, 4, 0x7ffffff0, tl)],
  ];
  for (const [name, bytes] of cases) {
    const res = await app.request("/v1/predict", post(bytes, "application/octet-stream"));
    const body = await res.json();
    assert.ok(res.status >= 400 && res.status < 500, `${name}: ${res.status} ${JSON.stringify(body)}`);
    assert.ok(
      ["corrupt_image", "too_small", "unsupported_image"].includes(body.error.code),
      `${name}: ${body.error.code}`,
    );
    assert.ok(body.error.message.length > 20, `${name}: the message says what to do`);
  }
  assert.equal((await app.request("/healthz")).status, 200);
});

Deno.test("limits: wrong content types are 415, bad multipart 400, never a 5xx", async () => {
  const { app } = setup();
  const png = await fixture("variant_grey8.png");
  await expect(await app.request("/v1/predict", post(png, "text/plain")), 415, "unsupported_media_type");
  // JSON is accepted (base64 images), so PNG bytes sent as JSON are malformed JSON, not another type
  await expect(await app.request("/v1/predict", post(png, "application/json")), 400, "invalid_json");
  await expect(await app.request("/v1/predict", post(png, "application/xml")), 415, "unsupported_media_type");
  await expect(await app.request("/v1/predict", post(png, "image/gif")), 415, "unsupported_media_type");
  await expect(await app.request("/v1/predict/batch", post(png, "image/png")), 415, "unsupported_media_type");
  await expect(await app.request("/v1/predict", post(png, "multipart/form-data")), 400, "malformed_multipart");
  await expect(
    await app.request("/v1/predict", post(new TextEncoder().encode("GIF89a......"), "application/octet-stream")),
    415,
    "unsupported_image",
  );
  // a PNG labelled as JPEG is decoded by its bytes
  assert.equal((await app.request("/v1/predict", post(png, "image/jpeg"))).status, 200);
});

Deno.test("limits: REQUEST_BUDGET_MS answers 503 timeout JSON when inference stalls; the service stays up", async () => {
  const stalled = { ...fakeRuntime(), run: () => new Promise<never>(() => {}) } as ModelRuntime;
  const { app, lines } = setup({ REQUEST_BUDGET_MS: "50" }, stalled);
  const png = await fixture("variant_grey8.png");
  for (const route of ["/v1/predict", "/v1/explain"]) {
    await expect(await app.request(route, post(png, "image/png")), 503, "timeout");
  }
  const form = new FormData();
  form.append("image", new Blob([png]), "a.png");
  const batch = await (await app.request("/v1/predict/batch", { method: "POST", body: form })).json();
  assert.equal(batch.results[0].error.code, "timeout");
  assert.equal((await app.request("/healthz")).status, 200);
  assert.ok(!lines.some((l) => l.event === "internal_error"), "a timeout is not logged as a bug");
  assert.ok(lines.some((l) => l.route === "/v1/predict" && l.status === 503));
});
