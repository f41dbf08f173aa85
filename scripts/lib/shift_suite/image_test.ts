import assert from "node:assert/strict";
import { assertRgba, copyImage, mapChannels, toByte } from "./image.ts";

Deno.test("toByte rounds half up at the level boundary and clamps", () => {
  assert.deepEqual([toByte(127.5 / 255), toByte(127.49 / 255), toByte(255.4 / 255), toByte(-0.001), toByte(NaN)], [
    128,
    127,
    255,
    0,
    0,
  ]);
});

Deno.test("mapChannels maps R, G, B by their own tables per pixel, keeps alpha", () => {
  const plus = (d: number) => Uint8Array.from({ length: 256 }, (_, v) => Math.min(255, v + d));
  const img = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 50, 60, 70, 80]) };
  assert.deepEqual([...mapChannels(img, [plus(1), plus(10), plus(100)]).data], [2, 12, 103, 4, 51, 70, 170, 80]);
  assert.deepEqual([...copyImage(img).data], [...img.data]);
});

Deno.test("assertRgba names the caller and the sizes", () => {
  assert.throws(() => assertRgba({ width: 0, height: 1, data: new Uint8Array(0) }, "f"), /f: width and height/);
  assert.throws(
    () => assertRgba({ width: 1, height: 1, data: new Uint8Array(3) }, "g"),
    /g: expected 1×1 RGBA \(4 bytes\), got 3/,
  );
});
