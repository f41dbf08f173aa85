import assert from "node:assert/strict";
import { jet } from "./colormap.ts";
import { base64, heatmapDataUrl, heatmapRgba } from "./heatmap.ts";
import { decodePng } from "../../../model/core/mod.ts";

Deno.test("heatmapRgba: hottest CAM cell is reddest and most opaque", () => {
  const rgba = heatmapRgba({ width: 2, height: 2, data: new Float32Array([0, 0, 0, 5]) }, 4, 4);
  assert.equal(rgba.length, 4 * 4 * 4);
  const px = (x: number, y: number) => Array.from(rgba.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4));
  const hot = px(3, 3), cold = px(0, 0);
  assert.ok(hot[3] > cold[3], "alpha grows with evidence");
  assert.equal(cold[3], 64);
  assert.equal(hot[3], 64 + 128);
  assert.deepEqual(hot.slice(0, 3), jet(1));
});

Deno.test("heatmapRgba: a flat map is uniformly low", () => {
  const rgba = heatmapRgba({ width: 1, height: 1, data: new Float32Array([3]) }, 2, 2);
  assert.deepEqual(Array.from(rgba.subarray(0, 4)), [...jet(0), 64]);
});

Deno.test("heatmapDataUrl: a PNG of the requested size that decodes back", () => {
  const url = heatmapDataUrl({ width: 3, height: 3, data: Float32Array.from({ length: 9 }, (_, i) => i) }, 37, 21);
  assert.ok(url.startsWith("data:image/png;base64,"));
  const bytes = Uint8Array.from(atob(url.slice(22)), (c) => c.charCodeAt(0));
  const img = decodePng(bytes);
  assert.equal(img.width, 37);
  assert.equal(img.height, 21);
  assert.deepEqual(
    Array.from(img.data.subarray(0, 4)),
    Array.from(
      heatmapRgba(
        { width: 3, height: 3, data: Float32Array.from({ length: 9 }, (_, i) => i) },
        37,
        21,
      ).subarray(0, 4),
    ),
  );
});

Deno.test("base64: matches btoa on large input", () => {
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 255);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  assert.equal(base64(bytes), btoa(bin));
  assert.equal(base64(new Uint8Array([104, 105])), "aGk=");
});
