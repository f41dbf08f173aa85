/**
 * Pixel helpers for the reports' image panels: thumbnails (the project's own area resampling),
 * float → 8-bit conversion, grids of tiles (montages) and running mean images.
 *
 * @module
 */
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import { toFloatRgb } from "../../../model/core/mod.ts";
import type { FloatRgbImage, RgbaImage } from "../../../model/core/mod.ts";

/** The resize-only spec used for report images (normalisation is not applied). */
export function resizeSpec(size: number, crop: PreprocessSpec["crop"] = "none"): PreprocessSpec {
  return {
    size,
    crop,
    resize: "area",
    channelOrder: "RGB",
    alphaBackground: 255,
    normalization: { mode: "per-image", minStd: 1e-3 },
  };
}

/**
 * [0, 1] float RGB → opaque 8-bit RGBA (rounded, clamped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rgba = floatToRgba({ width: 1, height: 1, data: new Float32Array([1, 0.5, 0]) });
 * assert.deepEqual([...rgba.data], [255, 128, 0, 255]);
 * ```
 */
export function floatToRgba(img: FloatRgbImage): RgbaImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(Math.min(1, Math.max(0, img.data[i * 3 + c])) * 255);
    out[i * 4 + 3] = 255;
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * A `size`×`size` thumbnail (whole image stretched, area resampling as in preprocessing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage } from "../../../model/core/mod.ts";
 * const bytes = await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg");
 * const thumb = thumbnail(await decodeImage(bytes), 96);
 * assert.deepEqual([thumb.width, thumb.height, thumb.data.length], [96, 96, 96 * 96 * 4]);
 * ```
 */
export function thumbnail(img: RgbaImage, size: number): RgbaImage {
  return floatToRgba(toFloatRgb(img, resizeSpec(size)));
}

/**
 * Tiles of equal size in a grid, `cols` per row, `gap` pixels of `background` between and around
 * them. Empty grid positions stay background.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const tile = (v: number) => ({ width: 10, height: 8, data: new Uint8Array(10 * 8 * 4).fill(v) });
 * const m = montage([tile(0), tile(100), tile(200)], 2, 4);
 * assert.deepEqual([m.width, m.height], [2 * 10 + 3 * 4, 2 * 8 + 3 * 4]); // two columns, two rows, 4 px gaps
 * ```
 */
export function montage(
  tiles: readonly RgbaImage[],
  cols: number,
  gap = 4,
  background: [number, number, number] = [255, 255, 255],
): RgbaImage {
  if (tiles.length === 0) throw new RangeError("montage: no tiles");
  const { width: tw, height: th } = tiles[0];
  for (const t of tiles) {
    if (t.width !== tw || t.height !== th) {
      throw new RangeError(`montage: tiles must share one size; got ${t.width}×${t.height} and ${tw}×${th}`);
    }
  }
  const c = Math.max(1, Math.min(cols, tiles.length));
  const rows = Math.ceil(tiles.length / c);
  const width = c * tw + (c + 1) * gap;
  const height = rows * th + (rows + 1) * gap;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set(background, i * 4);
    data[i * 4 + 3] = 255;
  }
  tiles.forEach((t, k) => {
    const x0 = gap + (k % c) * (tw + gap);
    const y0 = gap + Math.floor(k / c) * (th + gap);
    for (let y = 0; y < th; y++) data.set(t.data.subarray(y * tw * 4, (y + 1) * tw * 4), ((y0 + y) * width + x0) * 4);
  });
  return { width, height, data };
}

/** Running sums of equally sized float images, for the mean and per-pixel standard deviation. */
export interface MeanAccumulator {
  width: number;
  height: number;
  count: number;
  sum: Float64Array;
  sumSq: Float64Array;
}

/**
 * Adds one image to a running mean (creating the accumulator on first use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toFloatRgb } from "../../../model/core/mod.ts";
 * const solid = (v: number) => { // a decoded, opaque image
 *   const data = new Uint8Array(64).map((_, i) => i % 4 === 3 ? 255 : v);
 *   return { width: 4, height: 4, data };
 * };
 * const images = [solid(0), solid(255)];
 * let acc: MeanAccumulator | undefined;
 * for (const img of images) acc = addToMean(acc, toFloatRgb(img, resizeSpec(2)));
 * const mean = meanOf(acc!);
 * assert.deepEqual([mean.width, ...mean.data.subarray(0, 3)], [2, 0.5, 0.5, 0.5]);
 * ```
 */
export function addToMean(acc: MeanAccumulator | undefined, img: FloatRgbImage): MeanAccumulator {
  const n = img.width * img.height * 3;
  const a = acc ??
    { width: img.width, height: img.height, count: 0, sum: new Float64Array(n), sumSq: new Float64Array(n) };
  if (img.width !== a.width || img.height !== a.height) {
    throw new RangeError(`addToMean: ${img.width}×${img.height} image added to a ${a.width}×${a.height} mean`);
  }
  for (let i = 0; i < a.sum.length; i++) {
    a.sum[i] += img.data[i];
    a.sumSq[i] += img.data[i] * img.data[i];
  }
  a.count++;
  return a;
}

/** The mean image of an accumulator. */
export function meanOf(acc: MeanAccumulator): FloatRgbImage {
  const data = new Float32Array(acc.sum.length);
  for (let i = 0; i < data.length; i++) data[i] = acc.sum[i] / acc.count;
  return { width: acc.width, height: acc.height, data };
}

/**
 * Per-pixel standard deviation across the accumulated images (population, averaged over the three
 * channels), as a grey image scaled by `scale` (value = std / scale, clamped to 1), and the share
 * of pixels whose std is below `constantBelow`: pixels that are the same in (nearly) every image,
 * such as a burned-in scale bar, label or mask.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = (v: number) => ({ width: 2, height: 1, data: new Float32Array([v, v, v, 0.5, 0.5, 0.5]) });
 * let acc: MeanAccumulator | undefined;
 * for (const v of [0.2, 0.4]) acc = addToMean(acc, img(v)); // the first pixel varies, the second does not
 * const { image, constantShare } = pixelStdOf(acc!, 0.25, 0.02);
 * assert.deepEqual([image.data[0].toFixed(2), image.data[3], constantShare], ["0.40", 0, 0.5]); // std 0.1 / 0.25
 * ```
 */
export function pixelStdOf(
  acc: MeanAccumulator,
  scale: number,
  constantBelow: number,
): { image: FloatRgbImage; constantShare: number } {
  const n = acc.width * acc.height;
  const data = new Float32Array(n * 3);
  let constant = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < 3; c++) {
      const k = i * 3 + c;
      const m = acc.sum[k] / acc.count;
      s += Math.sqrt(Math.max(0, acc.sumSq[k] / acc.count - m * m));
    }
    const std = s / 3;
    if (std < constantBelow) constant++;
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = Math.min(1, std / scale);
  }
  return { image: { width: acc.width, height: acc.height, data }, constantShare: n ? constant / n : 0 };
}
