/**
 * The stain/acquisition shifts used to test robustness, in one place: colour shifts in HSV on
 * float RGB images ({@link shiftColors}, see `hsv.ts` for the exact definitions) and JPEG
 * re-encoding of decoded RGBA pixels ({@link jpegRoundTrip}).
 *
 * @example
 * ```ts
 * import { jpegRoundTrip, shiftColors } from "./transforms.ts";
 * const recoded = await jpegRoundTrip(rgba, 75);
 * const warmer = shiftColors(floatImg, { hue: 0.05, saturation: 1.3 });
 * ```
 *
 * @module
 */
export { type ColorShift, hsvToRgb, isIdentityShift, rgbToHsv, shiftColors } from "./hsv.ts";
export { encodeJpeg, JPEG_ENCODER_MEMORY_LIMIT, jpegRoundTrip } from "./jpeg.ts";
