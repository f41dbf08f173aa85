/**
 * The robustness grid: the identity, each shift factor alone, and a few combined corners.
 * Every cell is applied as decode → [JPEG re-encode at `jpegQuality`] → crop+resize → [lamp] → colour shift
 * (see {@link applyShiftCell}).
 *
 * @module
 */
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import type { FloatRgbImage, RgbaImage } from "../../../model/core/mod.ts";
import { toFloatRgb } from "../../../model/core/mod.ts";
import { type ColorShift, isIdentityShift, shiftColors } from "./hsv.ts";
import { jpegRoundTrip } from "./jpeg.ts";
import { type LampShift, lampShift } from "./lamp.ts";

/** One cell of the grid. */
export interface ShiftCell {
  /** Stable name used in tables and JSON, e.g. `brightness×0.9`, `jpeg q50`. */
  name: string;
  /**
   * `identity`, `single` (one factor changed), `corner` (several at once), or `beyond`: a shift
   * outside the brief's grid (lamp colour, stain strength, defocus), reported but not part of
   * the ≤ 2-point target.
   */
  kind: "identity" | "single" | "corner" | "beyond";
  /** Colour shift applied to the resized [0, 1] image. */
  color: ColorShift;
  /** JPEG quality of a re-encode of the decoded image before resizing; absent = none. */
  jpegQuality?: number;
  /** Lamp colour / stain strength / defocus, applied to the resized image before `color`. */
  lamp?: LampShift;
}

/** The grid of the brief: identity, brightness ×{0.9, 1.1}, saturation ×{0.7, 1.3}, hue ±0.05 (±18°), JPEG q{75, 50}, and corners. */
export const SHIFT_GRID: readonly ShiftCell[] = [
  { name: "identity", kind: "identity", color: {} },
  { name: "brightness×0.9", kind: "single", color: { brightness: 0.9 } },
  { name: "brightness×1.1", kind: "single", color: { brightness: 1.1 } },
  { name: "saturation×0.7", kind: "single", color: { saturation: 0.7 } },
  { name: "saturation×1.3", kind: "single", color: { saturation: 1.3 } },
  { name: "hue-0.05", kind: "single", color: { hue: -0.05 } },
  { name: "hue+0.05", kind: "single", color: { hue: 0.05 } },
  { name: "jpeg q75", kind: "single", color: {}, jpegQuality: 75 },
  { name: "jpeg q50", kind: "single", color: {}, jpegQuality: 50 },
  { name: "b1.1 s1.3 h+0.05", kind: "corner", color: { brightness: 1.1, saturation: 1.3, hue: 0.05 } },
  { name: "b0.9 s0.7 h-0.05", kind: "corner", color: { brightness: 0.9, saturation: 0.7, hue: -0.05 } },
  { name: "b1.1 s0.7 h-0.05", kind: "corner", color: { brightness: 1.1, saturation: 0.7, hue: -0.05 } },
  { name: "b0.9 s1.3 h+0.05", kind: "corner", color: { brightness: 0.9, saturation: 1.3, hue: 0.05 } },
  {
    name: "b0.9 s0.7 h-0.05 q50",
    kind: "corner",
    color: { brightness: 0.9, saturation: 0.7, hue: -0.05 },
    jpegQuality: 50,
  },
];

/**
 * Shifts beyond the brief's grid, for a model that is invariant to HSV shifts by construction:
 * warm and cool lamps (white balance off by 8% per side), 25% more and 20% less stain (optical
 * density × 1.25 / × 0.8), and slight defocus.
 */
export const BEYOND_GRID: readonly ShiftCell[] = [
  { name: "lamp warm R×1.08 B×0.92", kind: "beyond", color: {}, lamp: { gain: [1.08, 1, 0.92] } },
  { name: "lamp cool R×0.92 B×1.08", kind: "beyond", color: {}, lamp: { gain: [0.92, 1, 1.08] } },
  { name: "stain OD×1.25", kind: "beyond", color: {}, lamp: { stain: 1.25 } },
  { name: "stain OD×0.8", kind: "beyond", color: {}, lamp: { stain: 0.8 } },
  { name: "defocus blur×1", kind: "beyond", color: {}, lamp: { blur: 1 } },
];

/**
 * Looks cells up by name (for `--cells` options); unknown names throw with the list of valid ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(selectCells(["identity", "jpeg q50"]).map((c) => c.jpegQuality), [undefined, 50]);
 * assert.throws(() => selectCells(["sepia"]), /unknown shift cell "sepia"/);
 * ```
 */
export function selectCells(
  names: readonly string[],
  grid: readonly ShiftCell[] = [...SHIFT_GRID, ...BEYOND_GRID],
): ShiftCell[] {
  return names.map((n) => {
    const cell = grid.find((c) => c.name === n);
    if (!cell) {
      throw new Error(`unknown shift cell "${n}"; valid: ${grid.map((c) => JSON.stringify(c.name)).join(", ")}`);
    }
    return cell;
  });
}

/**
 * A decoded image as the model would see it under `cell`, before normalisation: optional JPEG
 * round trip of the RGBA pixels, then the card's crop + area resize, then the colour shift.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, normalizeToTensor, parseModelCard } from "../../../model/core/mod.ts";
 * const card = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json")));
 * const decoded = await decodeImage(await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
 * const float = await applyShiftCell(decoded, SHIFT_GRID[8], card.preprocess); // jpeg q50
 * assert.equal(SHIFT_GRID[8].name, "jpeg q50");
 * const tensor = normalizeToTensor(float, card.preprocess, "NCHW"); // what the model is given
 * assert.equal(tensor.length, 3 * card.preprocess.size * card.preprocess.size);
 * ```
 */
export async function applyShiftCell(img: RgbaImage, cell: ShiftCell, spec: PreprocessSpec): Promise<FloatRgbImage> {
  const src = cell.jpegQuality === undefined ? img : await jpegRoundTrip(img, cell.jpegQuality);
  const resized = cell.lamp ? lampShift(toFloatRgb(src, spec), cell.lamp) : toFloatRgb(src, spec);
  return isIdentityShift(cell.color) ? resized : shiftColors(resized, cell.color);
}
