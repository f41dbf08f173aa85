/**
 * Locator benchmark (not a test): `./node_modules/.bin/deno bench -A model/core/cells/locate_bench.ts`.
 * The target: p50 well under the 30 ms budget of `/v1/cells` for a 224×224 field.
 *
 * @module
 */
import { decodeImage } from "../image/decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import { locateCells } from "./locate.ts";
import { floatRgbOf } from "./rgb.ts";

const early = floatRgbOf(await decodeImage(fixture("taleqani_Early_WBC-Malignant-Early-001.jpg")));
const benign = floatRgbOf(await decodeImage(fixture("taleqani_Benign_WBC-Benign-001.jpg")));
const cnmc = floatRgbOf(await decodeImage(fixture("cnmc_all_UID_35_6_2_all.png")));

Deno.bench("locateCells 224×224 field (Early)", { group: "locate", baseline: true }, () => {
  locateCells(early);
});
Deno.bench("locateCells 224×224 field (Benign)", { group: "locate" }, () => {
  locateCells(benign);
});
Deno.bench("locateCells 450×450 C-NMC cell on black", { group: "locate" }, () => {
  locateCells(cnmc);
});
