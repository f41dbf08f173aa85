/**
 * Pixel buffers shared by decoding, preprocessing, training and serving.
 *
 * @module
 */

/** Image formats the service accepts. */
export type ImageFormat = "bmp" | "png" | "jpeg" | "tiff";

/** A decoded image: 8-bit RGBA, rows top to bottom, no padding (`data.length === width*height*4`). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A float RGB image, interleaved (HWC), values in [0, 1]: what resizing produces and what
 * augmentation (training only) and normalisation consume.
 */
export interface FloatRgbImage {
  width: number;
  height: number;
  /** length width*height*3, R,G,B per pixel, rows top to bottom */
  data: Float32Array;
  /**
   * The part of the source image this image shows, in source pixels, when preprocessing chose it
   * (scale normalisation; it may reach beyond the source, which is mirrored there). Absent: the
   * crop rectangle.
   */
  view?: { x: number; y: number; width: number; height: number };
}

/** Tensor layout: ONNX/serving uses NCHW, TensorFlow.js training uses NHWC. */
export type Layout = "NCHW" | "NHWC";
