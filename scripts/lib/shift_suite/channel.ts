/**
 * Per-channel tone changes on 8-bit RGBA images, each a look-up table per channel (fast, exact):
 *
 * - channel gains (g_R, g_G, g_B): out_c = clamp(in_c · g_c). Two families use it:
 *   colour temperature g (R × g, B × 1/g: g > 1 warmer, g < 1 cooler) and a white-balance error
 *   (one channel × g, the others kept).
 * - gamma γ: out = in^γ with in, out in [0, 1] (γ > 1 darkens the mid-tones, γ < 1 lightens them).
 *
 * Results are rounded to the nearest level and clamped.
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";
import { assertRgba, copyImage, mapChannels, toByte } from "./image.ts";

/** Gains for R, G, B. */
export type ChannelGains = readonly [number, number, number];

/**
 * The gains of a colour-temperature change: R × g, G × 1, B × 1/g (g > 1 is warmer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(colourTemperatureGains(1.25), [1.25, 1, 0.8]);
 * ```
 */
export function colourTemperatureGains(g: number): ChannelGains {
  if (!Number.isFinite(g) || g <= 0) {
    throw new RangeError(`colourTemperatureGains: g must be a finite number > 0, got ${g}`);
  }
  return [g, 1, 1 / g];
}

/**
 * The gains of a white-balance error on one channel: that channel × g, the others × 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(singleChannelGains("G", 0.92), [1, 0.92, 1]);
 * ```
 */
export function singleChannelGains(channel: "R" | "G" | "B", g: number): ChannelGains {
  const i = ["R", "G", "B"].indexOf(channel);
  if (i < 0) throw new RangeError(`singleChannelGains: channel must be "R", "G" or "B", got ${channel}`);
  const out: [number, number, number] = [1, 1, 1];
  out[i] = g;
  return out;
}

function checkFactor(who: string, name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${who}: ${name} must be a finite number ≥ 0, got ${v}`);
}

/**
 * Multiplies each colour channel by its gain, rounds and clips to 0–255 (alpha kept); returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Uint8Array([100, 100, 100, 255, 250, 10, 200, 7]) };
 * assert.deepEqual([...applyChannelGains(img, [1.08, 1, 0.5]).data], [108, 100, 50, 255, 255, 10, 100, 7]);
 * ```
 */
export function applyChannelGains(img: RgbaImage, gains: ChannelGains): RgbaImage {
  assertRgba(img, "applyChannelGains");
  gains.forEach((g, c) => checkFactor("applyChannelGains", `gain ${"RGB"[c]}`, g));
  if (gains.every((g) => g === 1)) return copyImage(img);
  const lut = (g: number) => Uint8Array.from({ length: 256 }, (_, v) => toByte((v * g) / 255));
  return mapChannels(img, [lut(gains[0]), lut(gains[1]), lut(gains[2])]);
}

/**
 * Gamma on every colour channel: out = (in/255)^γ · 255, rounded (alpha kept); returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 3, height: 1, data: new Uint8Array([0, 128, 255, 255, 64, 64, 64, 255, 200, 10, 30, 255]) };
 * // (128/255)^1.2 · 255 = 111.52 → 112; 0 and 255 are fixed points
 * assert.deepEqual([...applyGamma(img, 1.2).data.slice(0, 4)], [0, 112, 255, 255]);
 * ```
 */
export function applyGamma(img: RgbaImage, gamma: number): RgbaImage {
  assertRgba(img, "applyGamma");
  if (!Number.isFinite(gamma) || gamma <= 0) {
    throw new RangeError(`applyGamma: gamma must be a finite number > 0, got ${gamma}`);
  }
  if (gamma === 1) return copyImage(img);
  const lut = Uint8Array.from({ length: 256 }, (_, v) => toByte(Math.pow(v / 255, gamma)));
  return mapChannels(img, [lut, lut, lut]);
}
