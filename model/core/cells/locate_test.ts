import assert from "node:assert/strict";
import { decodeImage } from "../image/decode.ts";
import type { FloatRgbImage } from "../preprocess/types.ts";
import { seededRandom } from "../util/random.ts";
import { fixture } from "../../../tests/helpers/image_fixtures.ts";
import { DEFAULT_LOCATE_OPTIONS, locateCells } from "./locate.ts";
import { floatRgbOf } from "./rgb.ts";

const PURPLE = [0.45, 0.3, 0.7];
const WHITE = [0.93, 0.92, 0.96];

function field(w: number, h: number, paint: (x: number, y: number) => boolean): FloatRgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(paint(x, y) ? PURPLE : WHITE, (y * w + x) * 3);
  return { width: w, height: h, data };
}

async function load(name: string): Promise<FloatRgbImage> {
  return floatRgbOf(await decodeImage(fixture(name)));
}

Deno.test("hostile: a blank white field and an all-black image give no box", () => {
  const white = locateCells(field(224, 224, () => false));
  assert.deepEqual([white.boxes, white.capped, white.found, white.background], [[], false, 0, "field"]);
  const black = locateCells({ width: 224, height: 224, data: new Float32Array(224 * 224 * 3) });
  assert.deepEqual([black.boxes, black.background], [[], "black"]);
});

Deno.test("hostile: uniform RGB noise gives no cell (the opening removes unstructured speckle)", () => {
  const rng = seededRandom(7);
  const w = 512, h = 512;
  const data = new Float32Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng();
  const result = locateCells({ width: w, height: h, data });
  assert.equal(result.background, "field");
  assert.deepEqual(result.boxes, []);
});

Deno.test("hostile: 16,384 purple specks give no cell; with no opening and no least area they hit the cap", () => {
  const specks = field(512, 512, (x, y) => x % 4 < 2 && y % 4 < 2);
  assert.deepEqual(locateCells(specks).boxes, []);
  const raw = locateCells(specks, { openRadius: 0, closeRadius: 0, minArea: 1 });
  assert.equal(raw.found, 128 * 128);
  assert.equal(raw.capped, true);
  assert.equal(raw.boxes.length, DEFAULT_LOCATE_OPTIONS.maxCells);
});

Deno.test("hostile: one image-wide blob is one box covering the image", () => {
  const result = locateCells(field(300, 200, () => true));
  assert.deepEqual(result.boxes, [{ x: 0, y: 0, width: 300, height: 200 }]);
});

/** A 400×400 field with a 10×10 grid of discs, radius 11 except the first 36 (radius 10, smaller). */
function discGrid(): FloatRgbImage {
  return field(400, 400, (x, y) => {
    const i = Math.floor(x / 40), j = Math.floor(y / 40);
    const r = j * 10 + i < 36 ? 10 : 11;
    return (x - i * 40 - 20) ** 2 + (y - j * 40 - 20) ** 2 <= r * r;
  });
}

Deno.test("the cap: 100 separate discs, maxCells 64 → the 64 largest, capped, found 100", () => {
  // the cap keeps the larger 64
  const img = discGrid();
  const result = locateCells(img, { maxCells: 64 });
  assert.equal(result.found, 100);
  assert.equal(result.capped, true);
  assert.equal(result.boxes.length, 64);
  // the 36 smaller discs (rows 0–2 and the first 6 of row 3) were dropped
  assert.ok(result.boxes.every((b) => b.y >= 3 * 40), "no disc of rows 0-2 kept");
  assert.deepEqual(result.boxes.filter((b) => b.y < 4 * 40).map((b) => Math.floor(b.x / 40)), [6, 7, 8, 9]);
  assert.equal(locateCells(img, { maxCells: 100 }).capped, false);
});

Deno.test("options are checked, and a buffer of the wrong size is refused", () => {
  const img = field(8, 8, () => false);
  assert.throws(() => locateCells(img, { maxCells: 0 }), /maxCells must be a whole number ≥ 1, got 0/);
  assert.throws(() => locateCells(img, { openRadius: 1.5 }), /openRadius/);
  assert.throws(() => locateCells({ ...img, width: 9 }), /expected 216/);
});

// Reference centroids measured offline from the fixtures' segmented twins (../shared, not read
// here): connected components ≥ 150 px of segmented/Early/WBC-Malignant-Early-001.jpg.
const EARLY_BLASTS = [[95, 27], [98, 98], [68, 158], [146, 163], [194, 163]];
/** A blast cut by the right border: 164 px in the twin, under the least area (200) here. */
const EARLY_EDGE_CELL = [220, 85];
const within = (b: { x: number; y: number; width: number; height: number }, [x, y]: number[]) =>
  x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;

Deno.test("Early fixture: each of its five whole blasts in exactly one box; the blast at (98, 98) boxed where measured", async () => {
  const result = locateCells(await load("taleqani_Early_WBC-Malignant-Early-001.jpg"));
  assert.equal(result.background, "field");
  assert.equal(result.boxes.length, 6); // the five blasts and the stained debris at the bottom left
  for (const c of EARLY_BLASTS) assert.equal(result.boxes.filter((b) => within(b, c)).length, 1, `blast at ${c}`);
  assert.equal(result.boxes.filter((b) => within(b, EARLY_EDGE_CELL)).length, 0);
  const box = result.boxes.find((b) => within(b, [98, 98]))!;
  assert.deepEqual(box, { x: 89, y: 83, width: 19, height: 33 });
  assert.ok(!within(box, EARLY_BLASTS[0]));
  // a lower least area takes the edge cell too
  assert.equal(locateCells(await load("taleqani_Early_WBC-Malignant-Early-001.jpg"), { minArea: 150 }).boxes.length, 7);
});

Deno.test("Benign fixture: six boxes, five of the twin's six cells found (the one at the bottom-left corner is missed)", async () => {
  const result = locateCells(await load("taleqani_Benign_WBC-Benign-001.jpg"));
  const twin = [[58, 61], [21, 71], [23, 108], [87, 148], [122, 174], [7, 217]];
  assert.equal(result.boxes.length, 6);
  assert.deepEqual(twin.map((c) => result.boxes.some((b) => within(b, c))), [true, true, true, true, true, false]);
});

Deno.test("C-NMC cells on black: exactly one box each, read as pre-segmented, around the cell", async () => {
  const all = locateCells(await load("cnmc_all_UID_35_6_2_all.png"));
  assert.equal(all.background, "black");
  assert.deepEqual(all.boxes, [{ x: 111, y: 101, width: 235, height: 242 }]);
  const hem = locateCells(await load("cnmc_hem_UID_H10_100_1_hem.png"));
  assert.deepEqual(hem.boxes, [{ x: 126, y: 132, width: 198, height: 187 }]);
  // forced to read it as a stained field, the black background is not a cell either
  const field = locateCells(await load("cnmc_all_UID_35_6_2_all.png"), { background: "field" });
  assert.equal(field.background, "field");
  assert.ok(field.boxes.every((b) => b.x >= 100 && b.x + b.width <= 350), JSON.stringify(field.boxes));
});

Deno.test("labels: each returned cell's pixels carry its 1-based index, inside its box, and count its area", async () => {
  for (const name of ["taleqani_Early_WBC-Malignant-Early-001.jpg", "cnmc_all_UID_35_6_2_all.png"]) {
    const img = await load(name);
    const result = locateCells(img);
    assert.equal(result.labels.length, img.width * img.height);
    const counts = new Array(result.cells.length + 1).fill(0);
    for (let p = 0; p < result.labels.length; p++) {
      const l = result.labels[p];
      counts[l]++;
      if (l === 0) continue;
      const b = result.boxes[l - 1], x = p % img.width, y = Math.floor(p / img.width);
      assert.ok(within(b, [x, y]), `${name}: pixel (${x}, ${y}) of cell ${l} outside its box`);
    }
    assert.deepEqual(counts.slice(1), result.cells.map((c) => c.area), name);
  }
});

Deno.test("labels: dropped regions (under the least area, beyond the cap) are 0", () => {
  // 100 discs, cap 64: the 36 smaller ones (top rows) keep no label
  const w = 400, img = discGrid();
  const result = locateCells(img, { maxCells: 64 });
  assert.equal(result.labels[20 * w + 20], 0); // disc 0 (small, dropped by the cap)
  assert.equal(result.labels[(3 * 40 + 20) * w + 6 * 40 + 20], 1); // the first kept disc, top to bottom, left to right
  assert.equal(result.labels.reduce((m, l) => Math.max(m, l), 0), 64);
  assert.throws(() => locateCells(img, { maxCells: 70000 }), /maxCells must be ≤ 65535/);
});
