import { readFile, writeFile } from "node:fs/promises";
import { decodePng } from "../../../functions/lib/image/png.ts";
import { encodeRgbaPng } from "./png.ts";
const img = decodePng(new Uint8Array(await readFile(process.argv[2])));
const h = 1600;
for (let k = 0; k * h < img.height; k++) {
  const y0 = k * h, hh = Math.min(h, img.height - y0);
  await writeFile(
    `${process.argv[3]}_${k}.png`,
    encodeRgbaPng({
      width: img.width,
      height: hh,
      data: img.data.subarray(y0 * img.width * 4, (y0 + hh) * img.width * 4),
    }, 1),
  );
}
