import assert from "node:assert/strict";
import { cnmcGroup, cnmcSubject } from "./cnmc.ts";

Deno.test("cnmc subjects and groups", () => {
  assert.equal(cnmcSubject("UID_h3_12_1_hem.bmp"), "H3");
  assert.equal(cnmcSubject("UID_H24_1_1_hem.bmp"), "H24");
  assert.equal(cnmcSubject("UID_7_1_1_all.bmp"), "7");
  assert.equal(cnmcSubject("1.bmp"), undefined);
  assert.equal(cnmcGroup("78"), "cnmc:51+75+78");
  assert.equal(cnmcGroup("H6"), "cnmc:H2+H4+H5+H6");
  assert.equal(cnmcGroup("H1"), "cnmc:H1");
});
