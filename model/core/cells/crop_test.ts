import assert from "node:assert/strict";
import { decodeImage } from "../image/decode.ts";
import type { RgbaImage } from "../preprocess/types.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import { cropCell, cropSide } from "./crop.ts";
import { locateCells } from "./locate.ts";
import { floatRgbOf } from "./rgb.ts";

const pixel = (
  img: RgbaImage,
  x: number,
  y: number,
) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];

Deno.test("a field's cell: centred on its box, its own pixels kept, its neighbours and the field black", async () => {
  const img = await decodeImage(fixture("taleqani_Early_WBC-Malignant-Early-001.jpg"));
  const located = locateCells(floatRgbOf(img));
  const i = located.boxes.findIndex((b) => b.x === 89 && b.y === 83); // 19 × 33 (locate_test)
  assert.ok(i >= 0);
  const crop = cropCell(img, located, i);
  assert.equal(crop.width, cropSide(located.boxes[i], 0.2));
  assert.equal(crop.width, 46); // round(33 × 1.4)
  assert.equal(crop.height, crop.width);
  // the crop's top-left corner in the image: centre (89 + 9.5, 83 + 16.5) − 23
  const x0 = Math.round(89 + 9.5 - 23), y0 = Math.round(83 + 16.5 - 23);
  let kept = 0;
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const sx = x0 + x, sy = y0 + y, own = located.labels[sy * img.width + sx] === i + 1;
      const got = pixel(crop, x, y), src = pixel(img, sx, sy);
      assert.deepEqual(got, own ? src : [0, 0, 0, 255], `crop pixel (${x}, ${y})`);
      if (own) kept++;
    }
  }
  assert.equal(kept, located.cells[i].area); // the whole cell is inside the crop
});

Deno.test("a C-NMC cell on black: one crop holding the whole cell, the background still black", async () => {
  const img = await decodeImage(fixture("cnmc_all_UID_35_6_2_all.png"));
  const located = locateCells(floatRgbOf(img));
  const crop = cropCell(img, located, 0);
  assert.equal(crop.width, Math.round(242 * 1.4)); // box 235 × 242
  let kept = 0;
  for (let p = 0; p < crop.width * crop.height; p++) {
    if (crop.data[p * 4] || crop.data[p * 4 + 1] || crop.data[p * 4 + 2]) kept++;
  }
  assert.ok(kept <= located.cells[0].area && kept > 0.9 * located.cells[0].area, `${kept} of ${located.cells[0].area}`);
});

Deno.test("a cell at the border: the part outside the image is black, and the crop is not transposed", () => {
  // a 40×30 field, an asymmetric 12 × 6 purple bar touching the left border at y 4..9
  const w = 40, h = 30, data = new Uint8Array(w * h * 4).fill(242);
  for (let y = 4; y < 10; y++) for (let x = 0; x < 12; x++) data.set([115, 77, 179, 255], (y * w + x) * 4);
  const img = { width: w, height: h, data };
  const located = locateCells(floatRgbOf(img), { minArea: 20 });
  assert.equal(located.cells.length, 1);
  const { box } = located.cells[0];
  const crop = cropCell(img, located, 0, { margin: 0 });
  assert.equal(crop.width, Math.max(box.width, box.height));
  // wider than tall: the cell's rows are the middle rows, its columns span the crop
  const purple = (x: number, y: number) => pixel(crop, x, y)[2] === 179;
  const rows = [...Array(crop.height).keys()].filter((y) => purple(Math.floor(crop.width / 2), y));
  assert.equal(rows.length, box.height);
  assert.ok(rows[0] > 0 && rows.at(-1)! < crop.height - 1, `rows ${rows}`);
});

Deno.test("bad calls are refused with what to do", async () => {
  const img = await decodeImage(fixture("taleqani_Early_WBC-Malignant-Early-001.jpg"));
  const located = locateCells(floatRgbOf(img));
  assert.throws(() => cropCell(img, located, located.cells.length), /no cell 6 \(the locator found 6\)/);
  assert.throws(() => cropCell(img, located, 0, { margin: -1 }), /margin must be in \[0, 2\]/);
  const other = { width: 10, height: 10, data: new Uint8Array(400) };
  assert.throws(() => cropCell(other, located, 0), /pass the image the cells were located in/);
});
