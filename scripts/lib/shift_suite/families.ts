/**
 * The evaluation-only acquisition shift families, as data (`ShiftStep`) and one function that
 * applies a step to an 8-bit RGBA image at its source resolution ({@link applyStep}). The
 * transforms themselves live beside this file: `hsl.ts`, `channel.ts`, `stain.ts`, `tint.ts`,
 * `geometry.ts`; the JPEG codec is shared with the old grid (`../shift/jpeg.ts`).
 *
 * EVALUATION ONLY: nothing under `scripts/lib/train/` (nor `scripts/train.ts`) may import this
 * folder (`tests/architecture_test.ts` checks it), so the model is never trained on the families it
 * is judged on. The training augmentations are `scripts/lib/train/augment.ts` (over
 * `scripts/lib/shift/`).
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";
import { jpegRoundTrip } from "../shift/jpeg.ts";
import { applyChannelGains, applyGamma, type ChannelGains } from "./channel.ts";
import { gaussianBlur, magnify } from "./geometry.ts";
import { modulateHsl } from "./hsl.ts";
import { scaleStains } from "./stain.ts";
import { applyBackgroundTint } from "./tint.ts";

/** One transform of a shift; a shift applies its steps in order. */
export type ShiftStep =
  /** HSL modulation (ImageMagick `-modulate`): L × lightness, S × saturation (≤ 1), hue + hueDegrees. */
  | { kind: "hsl"; lightness: number; saturation: number; hueDegrees: number }
  /** Per-channel gains R, G, B, clipped (colour temperature, white-balance error). */
  | { kind: "gains"; gains: ChannelGains }
  /** out = in^gamma on [0, 1]. */
  | { kind: "gamma"; gamma: number }
  /** Ruifrok–Johnston: haematoxylin OD × haematoxylin, eosin OD × eosin. */
  | { kind: "stain"; haematoxylin: number; eosin: number }
  /** Bright background × tint, weighted by smoothstep(lo, hi, luma). */
  | { kind: "tint"; tint: readonly [number, number, number]; lo: number; hi: number }
  /** Gaussian defocus, σ in source pixels. */
  | { kind: "blur"; sigma: number }
  /** Magnification about the centre, output the same size. */
  | { kind: "magnify"; scale: number }
  /** JPEG re-encode at quality (1–100) and decode with the service's decoder. */
  | { kind: "jpeg"; quality: number };

/**
 * Applies one step to `img` and returns a new image (the input is not changed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 1, height: 1, data: new Uint8Array([100, 100, 100, 255]) };
 * assert.deepEqual([...(await applyStep(img, { kind: "gains", gains: [1.08, 1, 0.5] })).data], [108, 100, 50, 255]);
 * ```
 */
export async function applyStep(img: RgbaImage, step: ShiftStep): Promise<RgbaImage> {
  switch (step.kind) {
    case "hsl":
      return modulateHsl(img, step);
    case "gains":
      return applyChannelGains(img, step.gains);
    case "gamma":
      return applyGamma(img, step.gamma);
    case "stain":
      return scaleStains(img, step);
    case "tint":
      return applyBackgroundTint(img, step);
    case "blur":
      return gaussianBlur(img, step.sigma);
    case "magnify":
      return magnify(img, step.scale);
    case "jpeg":
      return await jpegRoundTrip(img, step.quality);
    default:
      throw new RangeError(`applyStep: unknown step kind ${(step as { kind: unknown }).kind}`);
  }
}
