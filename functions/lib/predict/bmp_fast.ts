/**
 * Fast path for the service's most common upload, an uncompressed 24- or 32-bit BMP (the C-NMC
 * format): the BMP's pixel rows go straight into the area resampling, without the full-size
 * RGBA image and the full-height intermediate that `decodeImage` + `toFloatRgb` build. The
 * result is bit-identical to `toFloatRgb(decodeImage(bytes), spec)` (same float operations in the
 * same order; a test checks it on real and synthetic files); anything else, including every
 * malformed file, is left to the general path, which also produces the error messages.
 *
 * @module
 */
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import type { FloatRgbImage } from "../../../model/core/mod.ts";
import { areaWeights, cropRect, fromWorkingSize } from "../../../model/core/mod.ts";
import { readBmpHeader } from "../../../model/core/mod.ts";

/** Size limits the general decoder enforces; the fast path declines anything outside them. */
export interface BmpFastLimits {
  maxPixels: number;
  minSide: number;
}

/** What the fast path returns: the source size and the resized [0, 1] RGB image. */
export interface BmpFastResult {
  width: number;
  height: number;
  resized: FloatRgbImage;
}

/** 1/255 exactly as `toFloatRgb` computes it. */
const INV = 1 / 255;
/** byte → byte·(1/255), the same doubles `toFloatRgb` stores in its row buffer. */
const LUT = Float64Array.from({ length: 256 }, (_, v) => v * INV);

/** Per target row: which source rows feed it and with what weight; inverted per source row. */
interface RowPlan {
  /** For source row y (cropped coordinates): CSR offsets into `target`/`weight`. */
  offsets: Int32Array;
  target: Int32Array;
  weight: Float64Array;
}

const planCache = new Map<string, { wx: ReturnType<typeof areaWeights>; rows: RowPlan }>();

function plan(srcW: number, srcH: number, size: number) {
  const key = `${srcW}x${srcH}:${size}`;
  let p = planCache.get(key);
  if (!p) {
    if (planCache.size > 32) planCache.clear();
    const wx = areaWeights(srcW, size);
    const wy = areaWeights(srcH, size);
    // Invert wy: source row → (target row, weight), target rows ascending for each source row,
    // so that every target row still receives its contributions in ascending source order.
    const counts = new Int32Array(srcH + 1);
    for (let j = 0; j < size; j++) {
      for (let k = 0; k < wy.count[j]; k++) counts[wy.start[j] + k + 1]++;
    }
    for (let y = 0; y < srcH; y++) counts[y + 1] += counts[y];
    const fill = counts.slice(0, srcH);
    const target = new Int32Array(counts[srcH]);
    const weight = new Float64Array(counts[srcH]);
    for (let j = 0; j < size; j++) {
      for (let k = 0; k < wy.count[j]; k++) {
        const y = wy.start[j] + k;
        target[fill[y]] = j;
        weight[fill[y]++] = wy.weights[j * wy.maxTaps + k];
      }
    }
    p = { wx, rows: { offsets: counts, target, weight } };
    planCache.set(key, p);
  }
  return p;
}

let scratch = new Float64Array(0);

/**
 * Resizes an uncompressed 24/32-bit BMP (`BI_RGB`, any header version, bottom-up or top-down)
 * straight from its bytes, as `toFloatRgb(decodeImage(bytes), spec)` would. Returns `undefined`
 * when the file is anything else or breaks a limit, so the caller falls back to the general path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, parseModelCard, toFloatRgb } from "../../../model/core/mod.ts";
 * const card = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json")));
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp");
 * const r = bmpToFloatRgb(bytes, card.preprocess, { maxPixels: 16e6, minSide: 16 });
 * assert.deepEqual([r?.width, r?.height, r?.resized.data.length], [450, 450, 3 * 96 * 96]);
 * // the same pixels as the general path
 * assert.deepEqual(r?.resized.data, toFloatRgb(await decodeImage(bytes), card.preprocess).data);
 * // anything but an uncompressed 24/32-bit BMP: undefined (the caller decodes it the general way)
 * const png = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 * assert.equal(bmpToFloatRgb(png, card.preprocess, { maxPixels: 16e6, minSide: 16 }), undefined);
 * ```
 */
export function bmpToFloatRgb(
  bytes: Uint8Array,
  spec: PreprocessSpec,
  limits: BmpFastLimits,
): BmpFastResult | undefined {
  if (spec.scale) {
    // scale normalisation: the fast path makes the working-size image, preprocessing finishes it
    const working = bmpToFloatRgb(bytes, { ...spec, size: spec.scale.workingSize, scale: undefined }, limits);
    return working && { ...working, resized: fromWorkingSize(working.resized, spec, working.width, working.height) };
  }
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return undefined;
  let h: ReturnType<typeof readBmpHeader>;
  try {
    h = readBmpHeader(bytes);
  } catch {
    return undefined;
  }
  const { width, height, bitsPerPixel: bpp } = h;
  if (h.compression !== 0 || (bpp !== 24 && bpp !== 32)) return undefined;
  if (width * height > limits.maxPixels || Math.min(width, height) < limits.minSide) return undefined;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const rowBytes = (bpp / 8) * width;
  if (h.pixelOffset + stride * (height - 1) + rowBytes > bytes.length) return undefined;

  const size = spec.size;
  const crop = cropRect(width, height, spec.crop);
  const { wx, rows } = plan(crop.width, crop.height, size);
  const step = bpp / 8;
  const rowLen = size * 3;
  if (scratch.length < rowLen) scratch = new Float64Array(rowLen);
  const hrow = scratch;
  const out = new Float32Array(size * rowLen);
  const { start: xs, count: xc, weights: xw, maxTaps } = wx;
  // BI_RGB pixels are opaque (toFloatRgb's `a === 255` branch): alphaBackground plays no part.

  for (let y = 0; y < crop.height; y++) {
    const sy = crop.y + y;
    const rowStart = h.pixelOffset + (h.topDown ? sy : height - 1 - sy) * stride + crop.x * step;
    // Horizontal pass, as toFloatRgb: Σ_k (byte·(1/255))·w over the taps, in Float64.
    for (let i = 0; i < size; i++) {
      let sr = 0, sg = 0, sb = 0;
      const w0 = i * maxTaps;
      let p = rowStart + xs[i] * step;
      for (let k = 0, n = xc[i]; k < n; k++, p += step) {
        const w = xw[w0 + k];
        sr += LUT[bytes[p + 2]] * w;
        sg += LUT[bytes[p + 1]] * w;
        sb += LUT[bytes[p]] * w;
      }
      hrow[i * 3] = sr;
      hrow[i * 3 + 1] = sg;
      hrow[i * 3 + 2] = sb;
    }
    // Vertical pass, streamed: add this source row into every target row it feeds.
    for (let e = rows.offsets[y], end = rows.offsets[y + 1]; e < end; e++) {
      const w = rows.weight[e];
      const o = rows.target[e] * rowLen;
      for (let c = 0; c < rowLen; c++) out[o + c] += hrow[c] * w;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i] < 0 ? 0 : out[i] > 1 ? 1 : out[i];
  return { width, height, resized: { width: size, height: size, data: out } };
}
