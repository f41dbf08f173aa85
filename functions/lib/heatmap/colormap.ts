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

/**
 * A CSS `linear-gradient` (left to right) through {@link jet} at `stops` evenly spaced points:
 * the page's legend, drawn with the same colours as the overlay.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(jetCssGradient(3), "linear-gradient(to right, rgb(0,0,128) 0%, rgb(128,255,128) 50%, rgb(128,0,0) 100%)");
 * ```
 */
export function jetCssGradient(stops = 9): string {
  if (!Number.isInteger(stops) || stops < 2) throw new RangeError(`a gradient needs at least 2 stops (got ${stops})`);
  const parts = Array.from({ length: stops }, (_, i) => {
    const t = i / (stops - 1);
    return `rgb(${jet(t).join(",")}) ${+(100 * t).toFixed(2)}%`;
  });
  return `linear-gradient(to right, ${parts.join(", ")})`;
}
