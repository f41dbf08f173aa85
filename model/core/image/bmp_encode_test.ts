import assert from "node:assert/strict";
import { decodeBmp } from "./bmp.ts";
import { encodeBmp } from "./bmp_encode.ts";
import { decodeImage } from "./decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";

Deno.test("encodeBmp: a real cell survives BMP 24/32-bit, bottom-up and top-down, pixel for pixel", async () => {
  const img = await decodeImage(fixture("cnmc_all_UID_35_6_2_all.png"));
  for (const bpp of [24, 32] as const) {
    for (const topDown of [false, true]) {
      const back = decodeBmp(encodeBmp(img, { bpp, topDown }));
      assert.equal(back.width, img.width);
      assert.equal(back.height, img.height);
      assert.deepEqual(back.data, img.data, `bpp ${bpp}, topDown ${topDown}`);
    }
  }
});

Deno.test("encodeBmp: rows are padded to 4 bytes and a wrong buffer size is refused", () => {
  const img = { width: 3, height: 2, data: new Uint8Array(3 * 2 * 4).fill(255) };
  assert.equal(encodeBmp(img).length, 54 + 12 * 2);
  assert.throws(() => encodeBmp({ width: 3, height: 2, data: new Uint8Array(5) }), /do not match/);
});
