/**
 * The explanation overlay: the model's CAM upsampled to the input image, colour-mapped with
 * jet, as a PNG data URL the client draws over the image.
 *
 * @module
 */
import { encode } from "imagescript/png/src/png.mjs";
import { bilinearResize, type FloatMap, type MapGrid } from "./upsample.ts";
import { jet } from "./colormap.ts";
import { type CamGrid, cropRect, type FloatRgbImage, type PreprocessSpec } from "../../../model/core/mod.ts";

/**
 * Where the CAM's cells lie on the uploaded image (`width`×`height`), from the card's grid on the
 * model input (`io.camGrid`) and the preprocessing that made that input (crop, then resize to
 * `size`; or the `view` that scale normalisation chose, which may reach beyond the image). `undefined` (evenly spaced cells over the whole image, the upsampler's default) for a
 * card without a grid that stretches the whole image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // all-v5: 96-px input, cells at 15.5 + 16·j; a 192-px upload doubles both
 * const grid = camGridOnImage({ origin: [15.5, 15.5], step: [16, 16] }, { size: 96, crop: "none" }, 192, 192);
 * assert.deepEqual(grid, { origin: [31, 31], step: [32, 32] });
 * assert.equal(camGridOnImage(undefined, { size: 96, crop: "none" }, 192, 192), undefined);
 * // scale normalisation zoomed in 2×: the input showed the centre 96 px of the 192-px upload
 * const zoomed = camGridOnImage(undefined, { size: 96, crop: "none" }, 192, 192, { width: 3, height: 3 },
 *   { x: 48, y: 48, width: 96, height: 96 });
 * assert.deepEqual(zoomed, { origin: [64, 64], step: [32, 32] });
 * ```
 */
export function camGridOnImage(
  grid: CamGrid | undefined,
  spec: Pick<PreprocessSpec, "size" | "crop">,
  width: number,
  height: number,
  cells?: { width: number; height: number },
  view?: FloatRgbImage["view"],
): MapGrid | undefined {
  if (!grid && spec.crop === "none" && !view) return undefined;
  const r = view ?? cropRect(width, height, spec.crop);
  // evenly spaced cells on the model input when the card does not say where they lie
  const g = grid ?? {
    origin: [spec.size / cells!.width / 2, spec.size / cells!.height / 2],
    step: [spec.size / cells!.width, spec.size / cells!.height],
  };
  const sx = r.width / spec.size, sy = r.height / spec.size;
  return {
    origin: [r.x + g.origin[0] * sx, r.y + g.origin[1] * sy],
    step: [g.step[0] * sx, g.step[1] * sy],
  };
}

/**
 * RGBA pixels of the overlay at `width`×`height`: the CAM is upsampled bilinearly (cells placed
 * by `grid`, default evenly spaced), scaled to
 * [0, 1] by its own min and max (a flat map is all 0), coloured with jet, and given an alpha of
 * 64 + 128·v so low-evidence areas stay see-through and high-evidence areas stand out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rgba = heatmapRgba({ width: 2, height: 2, data: new Float32Array([0, 1, 2, 3]) }, 4, 4);
 * assert.equal(rgba.length, 4 * 4 * 4);
 * assert.deepEqual([...rgba.subarray(0, 4)], [0, 0, 128, 64]); // lowest: dark blue, see-through
 * ```
 */
export function heatmapRgba(cam: FloatMap, width: number, height: number, grid?: MapGrid): Uint8Array {
  const up = bilinearResize(cam, width, height, grid).data;
  let min = Infinity, max = -Infinity;
  for (const v of cam.data) {
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const range = max > min ? max - min : 0;
  const lut = Array.from({ length: 256 }, (_, i) => jet(i / 255));
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < up.length; i++) {
    const v = range > 0 && Number.isFinite(up[i]) ? (up[i] - min) / range : 0;
    const k = Math.round(Math.min(Math.max(v, 0), 1) * 255);
    const [r, g, b] = lut[k];
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 64 + Math.round(k / 2);
  }
  return out;
}

/**
 * The overlay as `data:image/png;base64,...` at the input's size (`grid`: where the CAM's cells
 * lie on it, {@link camGridOnImage}; default evenly spaced).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng } from "../../../model/core/mod.ts";
 * const cam = new Float32Array(7 * 7).map((_, i) => i); // the model's 7×7 class-activation map
 * const url = heatmapDataUrl({ width: 7, height: 7, data: cam }, 257, 257); // <img src={url}> over the input
 * const png = decodePng(Uint8Array.from(atob(url.slice(url.indexOf(",") + 1)), (ch) => ch.charCodeAt(0)));
 * assert.deepEqual([png.width, png.height], [257, 257]);
 * ```
 */
export function heatmapDataUrl(cam: FloatMap, width: number, height: number, grid?: MapGrid): string {
  const png = encode(heatmapRgba(cam, width, height, grid), {
    text: undefined,
    width,
    height,
    channels: 4,
    level: 3,
  }) as Uint8Array;
  return `data:image/png;base64,${base64(png)}`;
}

/**
 * Standard base64 of bytes (chunked so large images do not overflow the call stack).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(base64(new Uint8Array([104, 105])), "aGk=");
 * ```
 */
export function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}
