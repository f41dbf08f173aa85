/**
 * The preprocessing part of the model card: how an image becomes the model's input tensor. It
 * lives with preprocessing (not the card) so that preprocessing depends on nothing else; the card
 * embeds it as `preprocess`.
 *
 * @module
 */
import type { ScaleNormalization } from "./scale.ts";
import type { StainNormalization } from "./stain.ts";

export type { ScaleNormalization, StainNormalization };

/** How an image becomes the model's input tensor. Shared by training and serving. */
export interface PreprocessSpec {
  /** Side of the square input, in pixels (the model sees `size`×`size`). */
  size: number;
  /**
   * How the decoded image is fitted to the square before resizing:
   * `none` stretches the whole image; `center-square` first crops the largest centred square.
   */
  crop: "none" | "center-square";
  /** Resampling: `area` averages every source pixel that a target pixel covers (exact box filter). */
  resize: "area";
  /** Colour normalisation applied after resizing, on RGB values scaled to [0, 1]. */
  normalization: ColorNormalization;
  /** Channel order of the tensor. Always RGB. */
  channelOrder: "RGB";
  /** Alpha is composited over this grey level (0–255) before anything else. */
  alphaBackground: number;
  /**
   * `rgb` (default) feeds colour; `grey` replaces each pixel by its luma (BT.601) in all three
   * channels just before normalisation, so stain hue and saturation cannot drive the decision;
   * `relative-chroma` feeds saturation and chroma relative to the image's mean hue (see
   * `toRelativeChroma`), invariant to global hue rotation and brightness and, after per-image
   * normalisation, to saturation.
   */
  colorMode?: "rgb" | "grey" | "relative-chroma";
  /**
   * Optional white balance on the slide's background before `colorMode`: each channel divided by
   * the mean colour of the brightest `brightFraction` of pixels (see `white_balance.ts`).
   */
  whiteBalance?: { brightFraction: number };
  /**
   * Optional scale normalisation before the resize to `size`: the cropped image is area-resized
   * to `workingSize`, its red cells are measured, and the input is cut from the centred window
   * that brings them to `redCellRadius` working pixels (see `scale.ts`).
   */
  scale?: ScaleNormalization;
  /**
   * Optional stain normalisation after the white balance and before `colorMode`: the image's two
   * stains are estimated and it is redrawn with the reference stains at reference strengths
   * (Macenko; see `stain.ts`).
   */
  stainNormalization?: StainNormalization;
}

/**
 * `fixed`: x = (v - mean[c]) / std[c] with dataset-wide constants.
 * `per-image`: x = (v - mean_c(image)) / max(std_c(image), minStd): each channel of each image is
 * standardised by its own statistics, which removes global brightness and stain-intensity shifts.
 */
export type ColorNormalization =
  | { mode: "fixed"; mean: [number, number, number]; std: [number, number, number] }
  | { mode: "per-image"; minStd: number };
