import assert from "node:assert/strict";
import { decodeImage } from "../image/decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import { floatRgbOf } from "./rgb.ts";
import { darkFraction, STAIN_FEATURES, stainMap } from "./stain.ts";

Deno.test("stainMap on the Early fixture: a blast's centre is above the fitted threshold (0.26), the background and a red cell below", async () => {
  const img = floatRgbOf(await decodeImage(fixture("taleqani_Early_WBC-Malignant-Early-001.jpg")));
  const bmg = stainMap(img, "blueMinusGreen");
  const at = (x: number, y: number) => bmg[y * img.width + x];
  assert.ok(at(98, 98) >= 0.26, `blast ${at(98, 98)}`); // the blast measured in its twin at (98, 98)
  assert.ok(at(160, 110) < 0.26, `background/red cell ${at(160, 110)}`);
  // every feature ranks the blast above the plain background at the top-left corner
  for (const f of STAIN_FEATURES) {
    const m = stainMap(img, f);
    assert.ok(m[98 * img.width + 98] > m[2 * img.width + 2], f);
  }
});

Deno.test("darkFraction: a C-NMC cell on black is mostly black, a smear field is not", async () => {
  const cnmc = floatRgbOf(await decodeImage(fixture("cnmc_all_UID_35_6_2_all.png")));
  const smear = floatRgbOf(await decodeImage(fixture("taleqani_Benign_WBC-Benign-001.jpg")));
  assert.ok(darkFraction(cnmc, 0.06) > 0.5);
  assert.equal(darkFraction(smear, 0.06), 0);
});
