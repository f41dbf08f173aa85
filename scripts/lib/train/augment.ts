/**
 * Training-time augmentation on {@link FloatRgbImage} (between `toFloatRgb` and
 * `normalizeToTensor`). Pure: returns a new image, never touches the input.
 *
 * Geometry: the 8 flips/90° rotations. Colour: brightness, contrast, saturation, hue, and random
 * greyscale, so the model must read morphology rather than stain colour.
 *
 * @module
 */
import type { FloatRgbImage } from "../../../model/core/mod.ts";
import type { Rng } from "./rng.ts";
import { shiftColors } from "../shift/hsv.ts";
import { lampShift } from "../shift/lamp.ts";
import { luma } from "../../../model/core/mod.ts";
import { jpegRoundTrip } from "../shift/jpeg.ts";
import { toFloatRgb } from "../../../model/core/mod.ts";
import { applyTone, drawTone, type ToneDraw, type ToneOptions } from "./tone.ts";
import { makeRng, mixSeed } from "./rng.ts";

/** Strength of each augmentation. Ranges are ± fractions; 0 turns one off. */
export interface AugmentOptions {
  /** Random horizontal/vertical flips and 90° rotations. */
  dihedral: boolean;
  /** Brightness factor in [1 − b, 1 + b]. */
  brightness: number;
  /** Contrast factor in [1 − c, 1 + c] around the image's mean grey. */
  contrast: number;
  /** Saturation factor in [1 − s, 1 + s]. */
  saturation: number;
  /** Hue rotation in [−h, +h] turns. */
  hue: number;
  /** Probability of turning the image grey (luma in all three channels). */
  greyscale: number;
  /**
   * Optional HSV shifts, the same family the shift evaluation uses (scripts/lib/shift/hsv.ts):
   * V ×[1 − value, 1 + value], S ×[1 − saturation, 1 + saturation], H + [−hue, +hue] turns.
   * Applied after the YIQ jitter; absent = off.
   */
  hsv?: { value: number; saturation: number; hue: number };
  /**
   * Optional training-only acquisition families (`./tone.ts`: random per-channel tone curves,
   * luma-dependent chroma, random resized crop), applied after the YIQ jitter. Absent = off.
   */
  tone?: ToneOptions;
  /**
   * Optional acquisition jitter, applied last: each channel × [1 − gain, 1 + gain] (lamp colour,
   * clipped at 1); with probability `blur` one 3×3 binomial blur (defocus); with probability
   * `chroma` the colour averaged over 2×2 blocks while luma keeps full resolution (JPEG's 4:2:0
   * chroma subsampling). Absent = off.
   */
  acquisition?: { gain: number; blur: number; chroma: number };
  /**
   * Optional JPEG re-encoding, applied by the training worker after everything else (it is
   * asynchronous, so not part of {@link augment}): with `probability`, a quality drawn uniformly
   * from [minQuality, maxQuality]. Absent = off.
   */
  jpeg?: { probability: number; minQuality: number; maxQuality: number };
  /**
   * Optional JPEG re-encoding at the source's resolution, before the resize to the model's input
   * (where a lab's JPEG export happens): with `probability`, the worker re-reads the source file,
   * round-trips it through JPEG at a quality drawn from [minQuality, maxQuality] and resizes it,
   * then applies everything else. Absent = off.
   */
  jpegSource?: { probability: number; minQuality: number; maxQuality: number };
}

/** Defaults used by the trainer. */
export const DEFAULT_AUGMENT: AugmentOptions = {
  dihedral: true,
  brightness: 0.25,
  contrast: 0.3,
  saturation: 0.4,
  hue: 0.08,
  greyscale: 0.2,
};

/** No augmentation (identity). */
export const NO_AUGMENT: AugmentOptions = {
  dihedral: false,
  brightness: 0,
  contrast: 0,
  saturation: 0,
  hue: 0,
  greyscale: 0,
};

/**
 * One of the 8 symmetries of the square: optional transpose, then optional flips.
 * Returns a new image (width/height swap when transposed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([1, 1, 1, 0, 0, 0]) };
 * assert.deepEqual(dihedral(img, 0b001).data, new Float32Array([0, 0, 0, 1, 1, 1])); // flipped left-right
 * assert.deepEqual([dihedral(img, 0b100).width, dihedral(img, 0b100).height], [1, 2]); // transposed
 * ```
 */
export function dihedral(img: FloatRgbImage, code: number): FloatRgbImage {
  const transpose = (code & 4) !== 0, flipY = (code & 2) !== 0, flipX = (code & 1) !== 0;
  const w = transpose ? img.height : img.width, h = transpose ? img.width : img.height;
  const out = new Float32Array(img.data.length);
  const src = img.data, sw = img.width;
  for (let y = 0; y < h; y++) {
    const yy = flipY ? h - 1 - y : y;
    for (let x = 0; x < w; x++) {
      const xx = flipX ? w - 1 - x : x;
      const sx = transpose ? yy : xx, sy = transpose ? xx : yy;
      const s = (sy * sw + sx) * 3, d = (y * w + x) * 3;
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
    }
  }
  return { width: w, height: h, data: out };
}

/** Colour parameters drawn for one image. */
export interface ColorParams {
  brightness: number;
  contrast: number;
  saturation: number;
  /** In turns. */
  hue: number;
  grey: boolean;
}

/**
 * Applies brightness, contrast, saturation, hue rotation (in YIQ space) and greyscale, clamped to
 * [0, 1]. Returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 1, height: 1, data: new Float32Array([0.6, 0.3, 0.3]) };
 * const out = adjustColor(img, { brightness: 1.1, contrast: 1, saturation: 0.8, hue: 0.02, grey: false });
 * assert.ok(out.data[0] > out.data[1]); // still reddish
 * const grey = adjustColor(img, { brightness: 1, contrast: 1, saturation: 1, hue: 0, grey: true }).data;
 * assert.ok(Math.abs(grey[0] - grey[1]) < 1e-6 && Math.abs(grey[1] - grey[2]) < 1e-6);
 * ```
 */
export function adjustColor(img: FloatRgbImage, p: ColorParams): FloatRgbImage {
  const src = img.data, n = src.length / 3;
  const out = new Float32Array(src.length);
  // mean luma for contrast
  let meanY = 0;
  for (let i = 0; i < src.length; i += 3) meanY += luma(src[i], src[i + 1], src[i + 2]);
  meanY = (meanY / n) * p.brightness;
  const th = p.hue * 2 * Math.PI, c = Math.cos(th), s = Math.sin(th);
  const sat = p.grey ? 0 : p.saturation;
  for (let i = 0; i < src.length; i += 3) {
    let r = src[i] * p.brightness, g = src[i + 1] * p.brightness, b = src[i + 2] * p.brightness;
    r = (r - meanY) * p.contrast + meanY;
    g = (g - meanY) * p.contrast + meanY;
    b = (b - meanY) * p.contrast + meanY;
    // RGB → YIQ, rotate IQ by hue, scale by saturation, back to RGB
    const y = luma(r, g, b);
    const i0 = 0.596 * r - 0.274 * g - 0.322 * b;
    const q0 = 0.211 * r - 0.523 * g + 0.312 * b;
    const ii = (i0 * c - q0 * s) * sat, qq = (i0 * s + q0 * c) * sat;
    r = y + 0.956 * ii + 0.621 * qq;
    g = y - 0.272 * ii - 0.647 * qq;
    b = y - 1.106 * ii + 1.703 * qq;
    out[i] = r < 0 ? 0 : r > 1 ? 1 : r;
    out[i + 1] = g < 0 ? 0 : g > 1 ? 1 : g;
    out[i + 2] = b < 0 ? 0 : b > 1 ? 1 : b;
  }
  return { width: img.width, height: img.height, data: out };
}

/** The parameters {@link drawAugment} draws for one image; {@link applyAugment} applies them. */
export interface AugmentDraw {
  /** {@link dihedral}'s code (0 = identity). */
  dihedral: number;
  /** The colour jitter, or null where it is the identity (then skipped). */
  color: ColorParams | null;
  /** The training-only acquisition families (`./tone.ts`), when on. */
  tone?: ToneDraw;
  /** The HSV shift, when on. */
  hsv?: { brightness: number; saturation: number; hue: number };
  /** Lamp gains, blur and chroma subsampling, when on. */
  acquisition?: { gain: [number, number, number]; blur: 0 | 1; chroma: boolean };
}

/**
 * Draws one image's augmentation parameters from `rng` in a fixed order (the order every training
 * run since the first has used, so seeds keep their meaning), for an image of `width`×`height`
 * before the dihedral. {@link applyAugment} applies them on the host; the device data path
 * (`device/augment_ops.ts`) applies the same draws as tensor operations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeRng } from "./rng.ts";
 * const d = drawAugment(makeRng(7), DEFAULT_AUGMENT, 96, 96);
 * assert.ok(d.dihedral >= 0 && d.dihedral < 8);
 * assert.deepEqual(drawAugment(makeRng(7), DEFAULT_AUGMENT, 96, 96), d); // seeded
 * assert.deepEqual(drawAugment(makeRng(7), NO_AUGMENT, 96, 96), { dihedral: 0, color: null });
 * ```
 */
export function drawAugment(rng: Rng, opts: AugmentOptions, width: number, height: number): AugmentDraw {
  const sym = (r: number) => (2 * rng() - 1) * r;
  const code = opts.dihedral ? Math.floor(rng() * 8) : 0;
  const p: ColorParams = {
    brightness: 1 + sym(opts.brightness),
    contrast: 1 + sym(opts.contrast),
    saturation: 1 + sym(opts.saturation),
    hue: sym(opts.hue),
    grey: rng() < opts.greyscale,
  };
  const identity = p.brightness === 1 && p.contrast === 1 && p.saturation === 1 && p.hue === 0 && !p.grey;
  const transposed = (code & 4) !== 0;
  const draw: AugmentDraw = { dihedral: code, color: identity ? null : p };
  if (opts.tone) draw.tone = drawTone(rng, opts.tone, transposed ? height : width, transposed ? width : height);
  if (opts.hsv) {
    draw.hsv = {
      brightness: 1 + sym(opts.hsv.value),
      saturation: 1 + sym(opts.hsv.saturation),
      hue: sym(opts.hsv.hue),
    };
  }
  if (opts.acquisition) {
    const a = opts.acquisition;
    const gain: [number, number, number] = [1 + sym(a.gain), 1 + sym(a.gain), 1 + sym(a.gain)];
    const blur = rng() < a.blur ? 1 : 0;
    draw.acquisition = { gain, blur, chroma: rng() < a.chroma };
  }
  return draw;
}

/**
 * Applies drawn parameters on the host: dihedral, colour jitter, tone families, HSV shift, then
 * acquisition jitter. Pure: returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 2, height: 1, data: new Float32Array([1, 0, 0, 0, 0, 1]) };
 * assert.deepEqual(applyAugment(img, { dihedral: 1, color: null }).data, new Float32Array([0, 0, 1, 1, 0, 0]));
 * ```
 */
export function applyAugment(img: FloatRgbImage, draw: AugmentDraw): FloatRgbImage {
  let out = draw.dihedral !== 0 ? dihedral(img, draw.dihedral) : img;
  if (draw.color) out = adjustColor(out, draw.color);
  if (draw.tone) out = applyTone(out, draw.tone);
  if (draw.hsv) out = shiftColors(out, draw.hsv);
  if (draw.acquisition) {
    out = lampShift(out, { gain: draw.acquisition.gain, blur: draw.acquisition.blur });
    if (draw.acquisition.chroma) out = subsampleChroma(out);
  }
  return out === img ? { ...img, data: img.data.slice() } : out;
}

/**
 * Draws random augmentation parameters from `rng` and applies them: {@link applyAugment} of
 * {@link drawAugment}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, parseModelCard, toFloatRgb } from "../../../model/core/mod.ts";
 * import { makeRng, mixSeed } from "./rng.ts";
 * const spec = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json"))).preprocess;
 * const decoded = await decodeImage(await Deno.readFile("tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg"));
 * const [seed, epoch, index] = [1, 0, 7];
 * const aug = augment(toFloatRgb(decoded, spec), makeRng(mixSeed(seed, epoch, index)));
 * assert.equal(aug.data.length, 3 * spec.size * spec.size);
 * assert.deepEqual(augment(toFloatRgb(decoded, spec), makeRng(mixSeed(seed, epoch, index))), aug); // reproducible
 * ```
 */
export function augment(img: FloatRgbImage, rng: Rng, opts: AugmentOptions = DEFAULT_AUGMENT): FloatRgbImage {
  return applyAugment(img, drawAugment(rng, opts, img.width, img.height));
}

/**
 * JPEG-style 4:2:0 chroma subsampling: per pixel, BT.601 luma is kept and the chroma (RGB minus
 * luma) is replaced by its mean over the pixel's 2×2 block; clamped to [0, 1]. Returns a new image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { luma } from "../../../model/core/mod.ts";
 * const img = { width: 2, height: 1, data: new Float32Array([0.6, 0.4, 0.4, 0.4, 0.4, 0.6]) }; // pinkish, bluish
 * const out = subsampleChroma(img).data; // both pixels share the block's mean chroma, each keeps its luma
 * const chroma = (i: number) => [0, 1, 2].map((k) => (out[i + k] - luma(out[i], out[i + 1], out[i + 2])).toFixed(3));
 * assert.deepEqual(chroma(0), chroma(3));
 * assert.equal(luma(out[0], out[1], out[2]).toFixed(3), luma(0.6, 0.4, 0.4).toFixed(3));
 * ```
 */
export function subsampleChroma(img: FloatRgbImage): FloatRgbImage {
  const { width: w, height: h, data: d } = img;
  const out = new Float32Array(d.length);
  const lumaAt = (i: number) => luma(d[i], d[i + 1], d[i + 2]);
  for (let by = 0; by < h; by += 2) {
    for (let bx = 0; bx < w; bx += 2) {
      const idx: number[] = [];
      for (let y = by; y < Math.min(h, by + 2); y++) {
        for (let x = bx; x < Math.min(w, bx + 2); x++) idx.push((y * w + x) * 3);
      }
      const c = [0, 0, 0];
      for (const i of idx) {
        const y = lumaAt(i);
        c[0] += d[i] - y, c[1] += d[i + 1] - y, c[2] += d[i + 2] - y;
      }
      for (const i of idx) {
        const y = lumaAt(i);
        for (let k = 0; k < 3; k++) {
          const v = y + c[k] / idx.length;
          out[i + k] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * The image as it comes back from a JPEG at `quality` (8-bit round trip through imagescript's
 * codec, the one the shift evaluation uses). Returns a new image of the same size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 16, height: 16, data: new Float32Array(16 * 16 * 3).map((_, i) => (i % 7) / 7) };
 * const lossy = await jpegAugment(img, 50);
 * assert.deepEqual([lossy.width, lossy.height], [16, 16]);
 * assert.notDeepEqual(lossy.data, img.data); // JPEG artefacts
 * ```
 */
export async function jpegAugment(img: FloatRgbImage, quality: number): Promise<FloatRgbImage> {
  const n = img.width * img.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(Math.min(1, Math.max(0, img.data[i * 3 + c])) * 255);
    rgba[i * 4 + 3] = 255;
  }
  const back = await jpegRoundTrip({ width: img.width, height: img.height, data: rgba }, quality);
  return toFloatRgb(back, {
    size: img.width,
    crop: "none",
    resize: "area",
    channelOrder: "RGB",
    alphaBackground: 0,
    normalization: { mode: "per-image", minStd: 0.01 },
  });
}

/**
 * The asynchronous last step of {@link augment}: with `opts.jpeg.probability`, re-encodes the image
 * as a JPEG at a quality drawn from [minQuality, maxQuality] ({@link jpegAugment}); otherwise
 * returns it unchanged. Draws from `rng` only when `opts.jpeg` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FloatRgbImage } from "../../../model/core/mod.ts";
 * import { makeRng } from "./rng.ts";
 * const opts = { ...DEFAULT_AUGMENT, jpeg: { probability: 1, minQuality: 50, maxQuality: 90 } };
 * const rng = makeRng(1);
 * let img: FloatRgbImage = { width: 16, height: 16, data: new Float32Array(16 * 16 * 3).fill(0.5) };
 * img = await augmentJpeg(augment(img, rng, opts), rng, opts); // what a training worker does
 * assert.equal(img.data.length, 16 * 16 * 3);
 * const same = await augmentJpeg(img, rng, NO_AUGMENT); // no `jpeg` option: unchanged
 * assert.equal(same, img);
 * ```
 */
export async function augmentJpeg(img: FloatRgbImage, rng: Rng, opts: AugmentOptions): Promise<FloatRgbImage> {
  const j = opts.jpeg;
  if (!j || rng() >= j.probability) return img;
  return await jpegAugment(img, Math.round(j.minQuality + rng() * (j.maxQuality - j.minQuality)));
}

/**
 * The first draw of a sample's augmentation: the quality at which to re-encode the source image
 * ({@link AugmentOptions.jpegSource}), or null to use the cached image. Draws from `rng` only when
 * `opts.jpegSource` is set, so runs without it keep their random sequence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeRng } from "./rng.ts";
 * const rng = makeRng(1);
 * const opts = { ...DEFAULT_AUGMENT, jpegSource: { probability: 0.5, minQuality: 40, maxQuality: 90 } };
 * const draws = Array.from({ length: 100 }, () => drawSourceJpegQuality(rng, opts));
 * assert.ok(draws.some((q) => q === null)); // about half: no re-encoding
 * assert.ok(draws.every((q) => q === null || (q >= 40 && q <= 90)));
 * assert.equal(drawSourceJpegQuality(rng, DEFAULT_AUGMENT), null);
 * ```
 */
export function drawSourceJpegQuality(rng: Rng, opts: AugmentOptions): number | null {
  const j = opts.jpegSource;
  if (!j || rng() >= j.probability) return null;
  return Math.round(j.minQuality + rng() * (j.maxQuality - j.minQuality));
}

/** Everything drawn for one training sample, and the generator to draw anything more from. */
export interface SampleDraw {
  /** JPEG quality for a re-encoding at the source's resolution, or null for the cached image. */
  quality: number | null;
  augment: AugmentDraw;
  /** The sample's generator after these draws (the host path draws its input-size JPEG from it). */
  rng: Rng;
}

/**
 * The draws of the sample at position `k` of a replica's shard of the step seeded `seed`, for
 * cached image `index` of `size`×`size`: the source-JPEG quality first, then the augmentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const opts = { ...DEFAULT_AUGMENT, jpegSource: { probability: 0.5, minQuality: 40, maxQuality: 90 } };
 * const a = drawSample(1, 42, 0, opts, 96);
 * assert.deepEqual(drawSample(1, 42, 0, opts, 96).augment, a.augment); // seeded
 * assert.notDeepEqual(drawSample(1, 42, 1, opts, 96).augment, a.augment); // another position
 * ```
 */
export function drawSample(seed: number, index: number, k: number, opts: AugmentOptions, size: number): SampleDraw {
  const rng = makeRng(mixSeed(seed, index, k));
  const quality = drawSourceJpegQuality(rng, opts);
  return { quality, augment: drawAugment(rng, opts, size, size), rng };
}

/**
 * The positions of a shard whose sample is re-encoded at the source's resolution, with its quality.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const opts = { ...DEFAULT_AUGMENT, jpegSource: { probability: 1, minQuality: 60, maxQuality: 60 } };
 * assert.deepEqual(sourceJpegPlan(1, [5, 9], opts, 96), [{ k: 0, index: 5, quality: 60 }, { k: 1, index: 9, quality: 60 }]);
 * assert.deepEqual(sourceJpegPlan(1, [5, 9], DEFAULT_AUGMENT, 96), []);
 * ```
 */
export function sourceJpegPlan(
  seed: number,
  indices: readonly number[],
  opts: AugmentOptions,
  size: number,
): { k: number; index: number; quality: number }[] {
  if (!opts.jpegSource) return [];
  return indices.flatMap((index, k) => {
    const q = drawSample(seed, index, k, opts, size).quality;
    return q === null ? [] : [{ k, index, quality: q }];
  });
}
