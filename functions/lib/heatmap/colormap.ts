/**
 * The jet colour map: dark blue (low evidence) → cyan → yellow → dark red (high evidence).
 *
 * @module
 */

/**
 * RGB (0–255) for `t` in [0, 1] (clamped; NaN → 0): each channel is the clamped tent
 * 1.5 − |4t − c| with c = 3 (red), 2 (green), 1 (blue).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(jet(0), [0, 0, 128]); // dark blue
 * assert.deepEqual(jet(0.5), [128, 255, 128]);
 * assert.deepEqual(jet(1), [128, 0, 0]); // dark red
 * ```
 */
export function jet(t: number): [number, number, number] {
  const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1);
  const c = (center: number) => Math.round(Math.min(Math.max(1.5 - Math.abs(4 * x - center), 0), 1) * 255);
  return [c(3), c(2), c(1)];
}
