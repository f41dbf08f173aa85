import assert from "node:assert/strict";
import { compress as fflateCompress, decompress } from "imagescript/png/src/zlib.mjs";
import { inflate, inflateBudget, InflateError } from "./inflate.ts";
import { workCounters } from "./work.ts";
import { fixture, fixtureNames, seeded } from "../../../tests/helpers/image_fixtures.ts";
import { deflateEmptyBlocks, deflateZeros, zlibZeros } from "../../../tests/helpers/hostile_images.ts";

const compress = (data: Uint8Array, level: number) => fflateCompress(data, level) as Uint8Array;

/** The platform's zlib (CompressionStream), a second encoder besides fflate. */
async function nativeDeflate(data: Uint8Array, format: "deflate" | "deflate-raw"): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Test data with runs, repeats at many distances and noise. */
function sample(n: number, seed: number): Uint8Array {
  const rnd = seeded(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n;) {
    const kind = rnd();
    const len = 1 + Math.floor(rnd() * 300);
    for (let k = 0; k < len && i < n; k++, i++) {
      if (kind < 0.3) out[i] = Math.floor(rnd() * 256);
      else if (kind < 0.5) out[i] = 7;
      else if (i > 40_000 && kind < 0.6) out[i] = out[i - 32_768 + Math.floor(rnd() * 10)];
      else out[i] = i > 300 ? out[i - 1 - Math.floor(kind * 290)] : i & 255;
    }
  }
  return out;
}

Deno.test("inflate: fflate (levels 1–9), the platform's zlib and stored blocks round-trip exactly, ending at the end", async () => {
  for (const [n, seed] of [[0, 1], [1, 2], [1000, 3], [70_000, 4], [300_000, 5]]) {
    const data = sample(n, seed);
    const streams: [string, Uint8Array, boolean][] = [];
    for (let level = 1; level <= 9; level++) streams.push([`fflate ${level}`, compress(data, level), true]);
    streams.push(["zlib", await nativeDeflate(data, "deflate"), true]);
    streams.push(["raw", await nativeDeflate(data, "deflate-raw"), false]);
    for (const [name, z, zlib] of streams) {
      const out = new Uint8Array(n);
      assert.deepEqual(inflate(z, out, { zlib }), { produced: n, stop: "end" }, `${name} n=${n}`);
      assert.deepEqual(out, data, `${name} n=${n}`);
    }
    // stored blocks (fflate's level 0 output is not used: past 64 KiB fflate cannot read it back itself)
    const out = new Uint8Array(n);
    assert.deepEqual(inflate(storedBlocks(data), out), { produced: n, stop: "end" }, `stored n=${n}`);
    assert.deepEqual(out, data);
  }
});

/** `data` as raw deflate stored blocks of at most 65 535 bytes, the last one final. */
function storedBlocks(data: Uint8Array): Uint8Array {
  const parts: number[] = [];
  for (let at = 0; at < data.length || at === 0; at += 65_535) {
    const len = Math.min(65_535, data.length - at);
    parts.push(at + 65_535 >= data.length ? 1 : 0, len & 255, len >> 8, ~len & 255, (~len >> 8) & 255);
    parts.push(...data.subarray(at, at + len));
    if (data.length === 0) break;
  }
  return new Uint8Array(parts);
}

Deno.test("inflate: every PNG fixture's image data inflates as fflate does", () => {
  for (const name of fixtureNames(".png")) {
    const b = fixture(name);
    const v = new DataView(b.buffer, b.byteOffset);
    const idat: Uint8Array[] = [];
    for (let o = 8; o < b.length;) {
      const len = v.getUint32(o);
      if (String.fromCharCode(...b.subarray(o + 4, o + 8)) === "IDAT") idat.push(b.subarray(o + 8, o + 8 + len));
      o += 12 + len;
    }
    const z = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
    idat.reduce((at, c) => (z.set(c, at), at + c.length), 0);
    const expected = decompress(z, 64 << 20) as Uint8Array;
    const out = new Uint8Array(expected.length);
    assert.deepEqual(inflate(z, out, { zlib: true }), { produced: expected.length, stop: "end" }, name);
    assert.deepEqual(out, expected, name);
  }
});

Deno.test("inflate: a 64 MiB bomb stops `extra` bytes past a 12 KiB buffer, and only that much is inflated", () => {
  const z = zlibZeros(64 << 20); // 64 KiB
  const out = new Uint8Array(12_288);
  const before = workCounters().inflated;
  assert.deepEqual(inflate(z, out, { zlib: true, extra: 4096 }), { produced: 12_288 + 4096, stop: "limit" });
  assert.equal(workCounters().inflated - before, 12_288 + 4096);
  // without `extra` it stops at the buffer's end
  assert.deepEqual(inflate(deflateZeros(1 << 20), new Uint8Array(10)), { produced: 10, stop: "limit" });
});

Deno.test("inflate: a stream shorter than the buffer ends early; a cut stream stops at 'input'", async () => {
  const data = sample(50_000, 9);
  const z = compress(data, 6);
  const out = new Uint8Array(60_000);
  assert.deepEqual(inflate(z, out, { zlib: true }), { produced: 50_000, stop: "end" });
  for (const cut of [2, 3, 10, z.length >> 1, z.length - 5]) {
    const r = inflate(z.subarray(0, cut), new Uint8Array(50_000), { zlib: true });
    assert.equal(r.stop, "input", `cut at ${cut}`);
    assert.ok(r.produced <= 50_000);
  }
  // a raw stream cut before its end, and one cut inside a stored block
  const raw = await nativeDeflate(data, "deflate-raw");
  assert.equal(inflate(raw.subarray(0, raw.length - 1), new Uint8Array(50_000)).stop, "input");
  const stored = inflate(storedBlocks(data).subarray(0, 3000), new Uint8Array(50_000));
  assert.deepEqual(stored, { produced: 3000 - 5, stop: "input" });
});

Deno.test("inflate: invalid data is an InflateError of kind 'data'", () => {
  const isData = (e: unknown) => e instanceof InflateError && e.kind === "data";
  const out = new Uint8Array(100);
  assert.throws(() => inflate(new Uint8Array([0x78, 0x02, 0, 0]), out, { zlib: true }), isData); // bad check bits
  assert.throws(() => inflate(new Uint8Array([0x78, 0xbb, 0, 0]), out, { zlib: true }), isData); // preset dictionary
  assert.throws(() => inflate(new Uint8Array([0x07]), out), isData); // block type 3
  assert.throws(() => inflate(new Uint8Array([0x01, 0x05, 0x00, 0x00, 0x00]), out), isData); // stored NLEN mismatch
  // fixed block: literal 'a', then length 3 at distance 7 with only one byte behind it
  const bits: number[] = [1, 1, 0]; // BFINAL, BTYPE 01 (LSB first)
  const code = (c: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((c >> i) & 1);
  };
  code(0x30 + 0x61, 8), code(1, 7), code(5, 5), bits.push(0), code(0, 7); // 'a', 257, dist 5 (+1 bit: 7), EOB
  const far = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => far[i >> 3] |= b << (i & 7));
  assert.throws(() => inflate(far, out), (e: unknown) => isData(e) && /too far/.test(String(e)));
  // the same stream at distance 1 is fine: "aaaa"
  bits.length = 0, bits.push(1, 1, 0), code(0x91, 8), code(1, 7), code(0, 5), code(0, 7);
  const near = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => near[i >> 3] |= b << (i & 7));
  assert.deepEqual(inflate(near, out), { produced: 4, stop: "end" });
  assert.equal(new TextDecoder().decode(out.subarray(0, 4)), "aaaa");
});

Deno.test("inflate: thousands of empty dynamic blocks are refused as work once over the budget for the buffer", () => {
  const blocks = deflateEmptyBlocks(20_000); // ~240 KB of input, no output, 40 000 tables to build
  assert.throws(
    () => inflate(blocks, new Uint8Array(4096), { extra: 4096 }),
    (e: unknown) => e instanceof InflateError && e.kind === "work",
  );
  // a few hundred are within the fixed allowance, and inflate to nothing
  assert.deepEqual(inflate(deflateEmptyBlocks(300), new Uint8Array(0)), { produced: 0, stop: "end" });
});

Deno.test("inflate: a shared budget is charged across calls", () => {
  const blocks = deflateEmptyBlocks(300); // fine for one call's own allowance
  assert.deepEqual(inflate(blocks, new Uint8Array(0)), { produced: 0, stop: "end" });
  const budget = inflateBudget(0);
  let calls = 0;
  assert.throws(() => {
    for (; calls < 10; calls++) inflate(blocks, new Uint8Array(0), { budget });
  }, (e: unknown) => e instanceof InflateError && e.kind === "work");
  assert.equal(calls, 1); // the second call ran out
  assert.ok(budget.left < 0);
});
