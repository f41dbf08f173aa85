/**
 * The robustness grid: the identity, each shift factor alone, and a few combined corners.
 * Every cell is applied as decode → [JPEG re-encode at `jpegQuality`] → crop+resize → colour shift
 * (see {@link applyShiftCell}).
 *
 * @module
 */
import type { PreprocessSpec } from "../../../functions/lib/model/card.ts";
import type { FloatRgbImage, RgbaImage } from "../../../functions/lib/preprocess/types.ts";
import { toFloatRgb } from "../../../functions/lib/preprocess/preprocess.ts";
import { type ColorShift, isIdentityShift, shiftColors } from "./hsv.ts";
import { jpegRoundTrip } from "./jpeg.ts";

/** One cell of the grid. */
export interface ShiftCell {
  /** Stable name used in tables and JSON, e.g. `brightness×0.9`, `jpeg q50`. */
  name: string;
  /** `identity`, `single` (one factor changed) or `corner` (several at once). */
  kind: "identity" | "single" | "corner";
  /** Colour shift applied to the resized [0, 1] image. */
  color: ColorShift;
  /** JPEG quality of a re-encode of the decoded image before resizing; absent = none. */
  jpegQuality?: number;
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
  { name: "b0.9 s0.7 h-0.05 q50", kind: "corner", color: { brightness: 0.9, saturation: 0.7, hue: -0.05 }, jpegQuality: 50 },
];

/**
 * Looks cells up by name (for `--cells` options); unknown names throw with the list of valid ones.
 *
 * @example
 * ```ts
 * selectCells(["identity", "jpeg q50"]).length; // 2
 * ```
 */
export function selectCells(names: readonly string[], grid: readonly ShiftCell[] = SHIFT_GRID): ShiftCell[] {
  return names.map((n) => {
    const cell = grid.find((c) => c.name === n);
    if (!cell) throw new Error(`unknown shift cell "${n}"; valid: ${grid.map((c) => JSON.stringify(c.name)).join(", ")}`);
    return cell;
  });
}

/**
 * A decoded image as the model would see it under `cell`, before normalisation: optional JPEG
 * round trip of the RGBA pixels, then the card's crop + area resize, then the colour shift.
 *
 * @example
 * ```ts
 * const float = await applyShiftCell(decoded, SHIFT_GRID[8], card.preprocess); // jpeg q50
 * const tensor = normalizeToTensor(float, card.preprocess, "NCHW");
 * ```
 */
export async function applyShiftCell(img: RgbaImage, cell: ShiftCell, spec: PreprocessSpec): Promise<FloatRgbImage> {
  const src = cell.jpegQuality === undefined ? img : await jpegRoundTrip(img, cell.jpegQuality);
  const resized = toFloatRgb(src, spec);
  return isIdentityShift(cell.color) ? resized : shiftColors(resized, cell.color);
}
