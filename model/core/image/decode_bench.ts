/**
 * Decoder benchmarks over the committed fixtures:
 * `./node_modules/.bin/deno bench -A functions/lib/image/decode_bench.ts`
 *
 * @module
 */
import { decodeImage } from "./decode.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";

const cases: [string, string][] = [
  ["BMP 24-bit 450×450 (C-NMC original)", "cnmc_all_UID_35_6_2_all.bmp"],
  ["PNG RGB 450×450 (C-NMC)", "cnmc_all_UID_35_6_2_all.png"],
  ["JPEG baseline 450×450", "full_baseline.jpg"],
  ["JPEG progressive 450×450", "full_progressive.jpg"],
  ["JPEG 224×224 (Taleqani)", "taleqani_Benign_WBC-Benign-001.jpg"],
  ["TIFF LZW 450×450", "full_rgb_lzw.tif"],
];
for (const [name, file] of cases) {
  const bytes = fixture(file);
  Deno.bench(name, { group: "decode" }, async () => {
    await decodeImage(bytes);
  });
}
