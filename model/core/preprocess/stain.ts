/**
 * Stain normalisation (Macenko et al. 2009, "A method for normalizing histology slides for
 * quantitative analysis"): each field's two stains are found in optical-density space and the
 * field is redrawn with a reference pair of stains at reference strengths, so a paler or darker
 * stain, another stain lot or another lamp gives nearly the same input.
 *
 * How, per image: the background (mean colour of the brightest 2% of pixels) is the incident
 * light I₀; optical density OD_c = −ln(I_c / I₀_c). Stained pixels are those with OD summed over
 * the channels ≥ {@link MACENKO_OD_THRESHOLD}. The plane of the two largest principal directions
 * of their OD holds both stains; each pixel's angle in that plane is taken, and the stains are the
 * directions at the 1st and 99th angle percentiles (robust extremes). Every pixel's two stain
 * concentrations come from least squares on those directions; each is scaled so its 99th
 * percentile over the stained pixels equals the reference's, and the image is redrawn from the
 * reference stains: I_c = exp(−Σ_k stain_kc · conc_k), background white.
 *
 * In a Romanowsky (Wright–Giemsa) smear the two directions are the nuclear stain (azure/methylene
 * blue: purple-blue, absorbs red most) and the eosin of the red cells; the first returned stain is
 * the one with the larger red optical density.
 *
 * A field with too few stained pixels ({@link MACENKO_MIN_STAINED}) or one stain only (the two
 * directions less than {@link MACENKO_MIN_ANGLE} apart) cannot be normalised and is passed on
 * unchanged; the domain check sees such fields as they are.
 *
 * @module
 */
import type { FloatRgbImage } from "./types.ts";
import { whitePoint } from "./white_balance.ts";

/** A stain's optical-density direction: unit length, R, G, B components ≥ 0. */
export type StainVector = [number, number, number];

/** The card's `preprocess.stainNormalization`: the reference stains every field is redrawn with. */
export interface StainNormalization {
  method: "macenko";
  /** reference directions: [nuclear stain (larger red OD), counterstain] */
  stains: [StainVector, StainVector];
  /** reference 99th-percentile concentration of each stain over the stained pixels */
  maxConcentrations: [number, number];
}

/** What one image's stains were estimated to be. */
export interface StainEstimate {
  stains: [StainVector, StainVector];
  maxConcentrations: [number, number];
  /** how many pixels counted as stained */
  stained: number;
}

/** Summed optical density (over R, G, B) above which a pixel counts as stained, not background. */
export const MACENKO_OD_THRESHOLD = 0.15;
/** Percentile (%) of the angles taken as the two stains' directions (and 100 − it). */
export const MACENKO_ANGLE_PERCENTILE = 1;
/** Percentile (%) of a stain's concentration taken as its strength. */
export const MACENKO_CONCENTRATION_PERCENTILE = 99;
/** Least share of stained pixels for an image to be normalised (and at least 64 pixels). */
export const MACENKO_MIN_STAINED = 0.01;
/** Least angle (radians) between the two stain directions; closer means one stain only. */
export const MACENKO_MIN_ANGLE = 0.05;
/** The background share that gives I₀ (as the white balance's default). */
const BACKGROUND_FRACTION = 0.02;
/** Darkest intensity used in a logarithm (one 8-bit step). */
const FLOOR = 1 / 255;

/** Eigenvalues (descending) and unit eigenvectors of a symmetric 3×3 matrix (cyclic Jacobi). */
function symmetricEigen3(m: number[][]): { values: number[]; vectors: number[][] } {
  const a = m.map((r) => [...r]);
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(a[0][1]) + Math.abs(a[0][2]) + Math.abs(a[1][2]);
    if (off < 1e-15) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < 3; k++) { // rotate columns p, q
        const akp = a[k][p], akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) { // rotate rows p, q
        const apk = a[p][k], aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p], vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]]) };
}

/** The `p`-th percentile (0–100) of `values` (sorted copy, nearest rank). */
function percentile(values: Float32Array, p: number): number {
  const s = values.slice().sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
}

/** Unit vector with negative components set to 0 (a stain cannot emit light). */
function nonNegativeUnit(v: number[]): StainVector | undefined {
  const c = v.map((x) => Math.max(0, x));
  const n = Math.hypot(c[0], c[1], c[2]);
  return n > 0 ? [c[0] / n, c[1] / n, c[2] / n] : undefined;
}

/** Rows of the least-squares solver for concentrations: (SᵀS)⁻¹Sᵀ for S = [s₀ s₁] (3×2). */
function unmixer(stains: readonly [StainVector, StainVector]): [number[], number[]] | undefined {
  const [a, b] = stains;
  const aa = a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
  const bb = b[0] * b[0] + b[1] * b[1] + b[2] * b[2];
  const ab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const det = aa * bb - ab * ab;
  if (!(det > 1e-9)) return undefined;
  return [
    [0, 1, 2].map((c) => (bb * a[c] - ab * b[c]) / det),
    [0, 1, 2].map((c) => (aa * b[c] - ab * a[c]) / det),
  ];
}

/** Per-pixel optical density (3 per pixel) against the image's background, and that background. */
function opticalDensity(img: FloatRgbImage): { od: Float32Array; background: [number, number, number] } | undefined {
  const background = whitePoint(img, BACKGROUND_FRACTION);
  if (background.some((v) => !(v > 0.05))) return undefined; // no usable light: a dark or black image
  const { data } = img;
  const od = new Float32Array(data.length);
  const [l0, l1, l2] = background.map((v) => Math.log(v));
  for (let i = 0; i < data.length; i += 3) {
    od[i] = Math.max(0, l0 - Math.log(Math.max(FLOOR, data[i])));
    od[i + 1] = Math.max(0, l1 - Math.log(Math.max(FLOOR, data[i + 1])));
    od[i + 2] = Math.max(0, l2 - Math.log(Math.max(FLOOR, data[i + 2])));
  }
  return { od, background };
}

/**
 * Estimates an image's two stain directions and strengths (Macenko), or `undefined` when it has
 * too few stained pixels or a single stain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a synthetic two-stain field: purple and pink pixels of graded strength on white
 * const purple = [0.30, 0.75, 0.30], pink = [0.05, 0.45, 0.20];
 * const n = 64 * 64, data = new Float32Array(n * 3).fill(1);
 * for (let i = 0; i < n; i++) {
 *   const k = i % 4, w = (i % 97) / 97; // a quarter background, then purple, pink and mixes
 *   if (k === 0) continue;
 *   const h = k === 2 ? 0 : 0.4 + w, e = k === 1 ? 0 : 0.3 + 0.5 * w;
 *   for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.exp(-(h * purple[c] + e * pink[c]));
 * }
 * const est = stainEstimate({ width: 64, height: 64, data })!;
 * const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
 * const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
 * assert.ok(cos(est.stains[0], unit(purple)) > 0.99 && cos(est.stains[1], unit(pink)) > 0.99);
 * assert.equal(stainEstimate({ width: 4, height: 4, data: new Float32Array(48).fill(0.9) }), undefined);
 * ```
 */
export function stainEstimate(img: FloatRgbImage): StainEstimate | undefined {
  const density = opticalDensity(img);
  return density && estimateFromDensity(density.od);
}

/** {@link stainEstimate} from the image's optical density (3 values a pixel). */
function estimateFromDensity(od: Float32Array): StainEstimate | undefined {
  const n = od.length / 3;
  let count = 0;
  const idx = new Int32Array(n);
  for (let p = 0; p < n; p++) if (od[p * 3] + od[p * 3 + 1] + od[p * 3 + 2] >= MACENKO_OD_THRESHOLD) idx[count++] = p;
  if (count < Math.max(64, MACENKO_MIN_STAINED * n)) return undefined;
  let m0 = 0, m1 = 0, m2 = 0;
  for (let k = 0; k < count; k++) {
    const q = idx[k] * 3;
    m0 += od[q], m1 += od[q + 1], m2 += od[q + 2];
  }
  m0 /= count, m1 /= count, m2 /= count;
  let c00 = 0, c01 = 0, c02 = 0, c11 = 0, c12 = 0, c22 = 0;
  for (let k = 0; k < count; k++) {
    const q = idx[k] * 3;
    const d0 = od[q] - m0, d1 = od[q + 1] - m1, d2 = od[q + 2] - m2;
    c00 += d0 * d0, c01 += d0 * d1, c02 += d0 * d2, c11 += d1 * d1, c12 += d1 * d2, c22 += d2 * d2;
  }
  const cov = [[c00, c01, c02], [c01, c11, c12], [c02, c12, c22]].map((r) => r.map((v) => v / count));
  const { vectors } = symmetricEigen3(cov);
  // the plane of the two largest directions, each pointing into positive OD
  const [e1, e2] = vectors.slice(0, 2).map((e) => (e[0] + e[1] + e[2] < 0 ? e.map((x) => -x) : e));
  const angles = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const q = idx[k] * 3, o0 = od[q], o1 = od[q + 1], o2 = od[q + 2];
    angles[k] = Math.atan2(o0 * e2[0] + o1 * e2[1] + o2 * e2[2], o0 * e1[0] + o1 * e1[1] + o2 * e1[2]);
  }
  const lo = percentile(angles, MACENKO_ANGLE_PERCENTILE), hi = percentile(angles, 100 - MACENKO_ANGLE_PERCENTILE);
  if (!(hi - lo >= MACENKO_MIN_ANGLE)) return undefined;
  const dir = (phi: number) => nonNegativeUnit(e1.map((x, c) => Math.cos(phi) * x + Math.sin(phi) * e2[c]));
  const vLo = dir(lo), vHi = dir(hi);
  if (!vLo || !vHi) return undefined;
  const stains: [StainVector, StainVector] = vLo[0] >= vHi[0] ? [vLo, vHi] : [vHi, vLo];
  const un = unmixer(stains);
  if (!un) return undefined;
  const conc = [new Float32Array(count), new Float32Array(count)];
  const [u0, u1] = un;
  for (let k = 0; k < count; k++) {
    const q = idx[k] * 3, o0 = od[q], o1 = od[q + 1], o2 = od[q + 2];
    conc[0][k] = u0[0] * o0 + u0[1] * o1 + u0[2] * o2;
    conc[1][k] = u1[0] * o0 + u1[1] * o1 + u1[2] * o2;
  }
  const maxConcentrations = conc.map((c) => percentile(c, MACENKO_CONCENTRATION_PERCENTILE)) as [number, number];
  if (!maxConcentrations.every((m) => m > 1e-3)) return undefined;
  return { stains, maxConcentrations, stained: count };
}

/**
 * The image redrawn with the reference stains at the reference strengths (white background), or
 * the image itself when its stains cannot be estimated ({@link stainEstimate}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ref: StainNormalization = { method: "macenko", stains: [[0.33, 0.82, 0.47], [0.1, 0.9, 0.42]],
 *   maxConcentrations: [1, 0.5] };
 * const flat = { width: 2, height: 2, data: new Float32Array(12).fill(0.8) };
 * assert.equal(normalizeStains(flat, ref), flat); // no stain: passed on as it is
 * ```
 */
export function normalizeStains(img: FloatRgbImage, spec: StainNormalization): FloatRgbImage {
  const density = opticalDensity(img);
  const est = density && estimateFromDensity(density.od);
  if (!density || !est) return img;
  const un = unmixer(est.stains)!;
  const gain = [
    spec.maxConcentrations[0] / est.maxConcentrations[0],
    spec.maxConcentrations[1] / est.maxConcentrations[1],
  ];
  const [r0, r1] = spec.stains;
  const { od } = density;
  const out = new Float32Array(img.data.length);
  // concentrations scaled to the reference's strength, folded into one 3×3 map OD → OD'
  const h = un[0].map((u) => gain[0] * u), e = un[1].map((u) => gain[1] * u);
  const t = [0, 1, 2].map((c) => [0, 1, 2].map((j) => r0[c] * h[j] + r1[c] * e[j]));
  for (let i = 0; i < od.length; i += 3) {
    const o0 = od[i], o1 = od[i + 1], o2 = od[i + 2];
    out[i] = Math.min(1, Math.exp(-(t[0][0] * o0 + t[0][1] * o1 + t[0][2] * o2)));
    out[i + 1] = Math.min(1, Math.exp(-(t[1][0] * o0 + t[1][1] * o1 + t[1][2] * o2)));
    out[i + 2] = Math.min(1, Math.exp(-(t[2][0] * o0 + t[2][1] * o1 + t[2][2] * o2)));
  }
  return { ...img, data: out };
}

/**
 * A reference for {@link normalizeStains} from training images: the median stain directions
 * (componentwise, renormalised) and median strengths of the images whose stains could be
 * estimated. Throws when none could.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => fitStainReference([{ width: 2, height: 2, data: new Float32Array(12).fill(0.5) }]), /no image/);
 * ```
 */
export function fitStainReference(images: Iterable<FloatRgbImage>): StainNormalization & { images: number } {
  const ests: StainEstimate[] = [];
  for (const img of images) {
    const e = stainEstimate(img);
    if (e) ests.push(e);
  }
  if (ests.length === 0) throw new Error("fitStainReference: no image had two stains to estimate");
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const stains = [0, 1].map((k) => nonNegativeUnit([0, 1, 2].map((c) => median(ests.map((e) => e.stains[k][c]))))!) as [
    StainVector,
    StainVector,
  ];
  return {
    method: "macenko",
    stains,
    maxConcentrations: [0, 1].map((k) => median(ests.map((e) => e.maxConcentrations[k]))) as [number, number],
    images: ests.length,
  };
}
