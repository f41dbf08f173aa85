/**
 * A few non-microscopy images made in code, for the out-of-domain report: every one of them must
 * be flagged by the domain check (none is a blood smear). Deterministic (seeded).
 *
 * @module
 */
import { type RgbaImage, seededRandom } from "../../../model/core/mod.ts";

/** A named synthetic image. */
export interface SyntheticImage {
  name: string;
  image: RgbaImage;
}

function make(size: number, pixel: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x, y);
      const o = (y * size + x) * 4;
      data[o] = clamp(r);
      data[o + 1] = clamp(g);
      data[o + 2] = clamp(b);
      data[o + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/**
 * The synthetic set at `size`×`size` (default 224, a Taleqani field's size): a colour gradient,
 * uniform noise, a black-and-white checkerboard, a flat colour, and a natural-looking scene (sky,
 * sun, hills, textured grass).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const set = syntheticImages(32);
 * assert.deepEqual(set.map((s) => s.name), ["gradient", "noise", "checkerboard", "flat colour", "scene"]);
 * assert.deepEqual([...set[3].image.data.subarray(0, 4)], [200, 120, 40, 255]); // flat orange
 * assert.deepEqual(syntheticImages(32)[1].image.data, set[1].image.data); // seeded
 * ```
 */
export function syntheticImages(size = 224): SyntheticImage[] {
  const rand = seededRandom(13);
  const s = size - 1 || 1;
  const grassRand = seededRandom(29);
  return [
    { name: "gradient", image: make(size, (x, y) => [255 * x / s, 255 * y / s, 255 * (1 - x / s)]) },
    { name: "noise", image: make(size, () => [256 * rand(), 256 * rand(), 256 * rand()]) },
    {
      name: "checkerboard",
      image: make(size, (x, y) => {
        const v = (Math.floor(x / Math.max(1, size / 8)) + Math.floor(y / Math.max(1, size / 8))) % 2 ? 255 : 0;
        return [v, v, v];
      }),
    },
    { name: "flat colour", image: make(size, () => [200, 120, 40]) },
    {
      name: "scene",
      image: make(size, (x, y) => {
        const u = x / s, v = y / s;
        const horizon = 0.6 + 0.08 * Math.sin(u * 7) + 0.04 * Math.sin(u * 19 + 1);
        if (v > horizon) { // grass with texture
          const t = grassRand();
          return [40 + 30 * t, 110 + 60 * t * (1 - v), 30 + 20 * t];
        }
        const sun = Math.hypot(u - 0.75, v - 0.2);
        if (sun < 0.08) return [255, 240, 180];
        const glow = Math.max(0, 0.25 - sun) * 200;
        return [90 + 100 * v + glow, 150 + 70 * v + glow, 235 - 20 * v]; // sky, paler to the horizon
      }),
    },
  ];
}
