import assert from "node:assert/strict";
import { decodeImage } from "../../../model/core/mod.ts";
import { tinyModel } from "../../../tests/helpers/model.ts";
import { syntheticBmp, warmUp } from "./warmup.ts";

Deno.test("syntheticBmp: a valid 24-bit BMP with the requested size and gradient", async () => {
  const img = await decodeImage(syntheticBmp(37, 20));
  assert.deepEqual([img.format, img.width, img.height], ["bmp", 37, 20]);
  // top row is the last stored row: green 255 at the top, 0 at the bottom; blue grows to the right
  assert.deepEqual([...img.data.subarray(0, 4)], [200, 255, 0, 255]);
  const last = (20 * 37 - 1) * 4;
  assert.deepEqual([...img.data.subarray(last, last + 4)], [200, 0, 255, 255]);
});

Deno.test("warmUp: runs predictions through the model and reports the time spent", async () => {
  const runtime = await tinyModel();
  let runs = 0;
  const counting = {
    ...runtime,
    card: runtime.card,
    run: (...a: Parameters<typeof runtime.run>) => (runs++, runtime.run(...a)),
  };
  const ms = await warmUp(counting, { predictions: 2, inferences: 5 });
  assert.equal(runs, 7);
  assert.ok(ms > 0);
});

Deno.test("warmUp: yields to the event loop between runs", async () => {
  const runtime = await tinyModel();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  await warmUp(runtime, { predictions: 1, inferences: 20 });
  clearInterval(timer);
  assert.ok(ticks >= 5, `a timer ran only ${ticks} times during warm-up`);
});

Deno.test("warmUp: a failing model does not throw", async () => {
  const runtime = await tinyModel();
  const broken = { ...runtime, card: runtime.card, run: () => Promise.reject(new Error("boom")) };
  assert.ok((await warmUp(broken)) >= 0);
});
