import assert from "node:assert/strict";
import { decodePng } from "../../../model/core/mod.ts";
import { encodeRgbaPng, pngSize } from "./png.ts";
import { solid } from "../../../tests/helpers/report.ts";

Deno.test("png: encoded pixels decode back; pngSize reads IHDR and rejects non-PNG bytes", () => {
  const img = solid(5, 3, [10, 200, 30]);
  const png = encodeRgbaPng(img);
  assert.deepEqual(pngSize(png), { width: 5, height: 3 });
  assert.deepEqual(decodePng(png).data, img.data);
  assert.equal(png[25], 2); // opaque → RGB colour type
  const translucent = { ...img, data: img.data.map((v, i) => (i === 3 ? 100 : v)) };
  const png2 = encodeRgbaPng(translucent);
  assert.equal(png2[25], 6);
  assert.deepEqual(decodePng(png2).data, translucent.data);
  assert.throws(() => pngSize(new Uint8Array(30)), /signature/);
});
