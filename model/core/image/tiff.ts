/**
 * TIFF decoder (first page only) on top of `utif2` (maintained UTIF.js fork): 8-bit grey, RGB and
 * RGBA, uncompressed, LZW, Deflate and PackBits. Other layouts are refused up front from the
 * directory's tags rather than handed to UTIF (which would guess). `utif2` (CommonJS, ~55 ms to
 * evaluate) is loaded on the first TIFF, not at start-up.
 *
 * @module
 */
import type UTIF from "utif2";
import type { RgbaImage } from "../preprocess/types.ts";
import { byteReader } from "./bytes.ts";
import { corrupt, ImageDecodeError, unsupported } from "./errors.ts";
import { readTiffHeader } from "./header.ts";
import { decodeTiffLzw } from "./lzw.ts";

let utif: Promise<typeof UTIF> | undefined;

/** utif2, loaded once, with its LZW decoder (which can loop forever on corrupt data) replaced by the bounded one. */
function loadUtif(): Promise<typeof UTIF> {
  utif ??= import("utif2").then((m) => {
    const lib = m.default;
    (lib as unknown as { decode: { _decodeLZW: typeof decodeTiffLzw } }).decode._decodeLZW = decodeTiffLzw;
    return lib;
  });
  return utif;
}

const COMPRESSIONS: Record<number, string> = { 1: "none", 5: "LZW", 8: "Deflate", 32946: "Deflate", 32773: "PackBits" };

/**
 * Decodes the first image of a TIFF file to 8-bit RGBA.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = await decodeTiff(await Deno.readFile("tests/fixtures/images/variant_rgb_lzw.tif"));
 * assert.deepEqual([img.width, img.height], [157, 143]);
 * ```
 */
export async function decodeTiff(bytes: Uint8Array): Promise<RgbaImage> {
  const { width, height } = readTiffHeader(bytes);
  checkDirectoryValues(bytes);
  const UTIF = await loadUtif();
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let ifd: UTIF.IFD;
  try {
    const ifds = UTIF.decode(buffer);
    if (!ifds.length) corrupt(`tiff: no image directory; send a valid TIFF file`);
    ifd = ifds[0];
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    return corrupt(`tiff: cannot read the image directory (${(e as Error).message}); send a valid TIFF file`);
  }
  const tag = (t: number): number[] | undefined => ifd[`t${t}`] as number[] | undefined;
  const compression = tag(259)?.[0] ?? 1;
  const photometric = tag(262)?.[0];
  const bits = tag(258) ?? [1];
  const spp = tag(277)?.[0] ?? 1;
  const planar = tag(284)?.[0] ?? 1;
  if (!(compression in COMPRESSIONS)) {
    unsupported(`tiff: compression ${compression} is not supported; save with none, LZW, Deflate or PackBits`);
  }
  if (photometric !== 0 && photometric !== 1 && photometric !== 2) {
    unsupported(
      `tiff: photometric interpretation ${photometric} (palette/CMYK/YCbCr/…) is not supported; save as 8-bit RGB or greyscale`,
    );
  }
  if (!bits.every((b) => b === 8)) {
    unsupported(`tiff: ${bits.join("/")}-bit samples are not supported; save with 8 bits per sample`);
  }
  const expectedSpp = photometric === 2 ? [3, 4] : [1, 2];
  if (!expectedSpp.includes(spp)) {
    unsupported(`tiff: ${spp} samples per pixel is not supported; save as RGB, RGBA or greyscale`);
  }
  if (planar !== 1) {
    unsupported(`tiff: planar (separate-plane) storage is not supported; save with contiguous (chunky) samples`);
  }
  const fp = tag(339)?.[0];
  if (fp !== undefined && fp !== 1) {
    unsupported(`tiff: float or signed samples are not supported; save as 8-bit unsigned`);
  }

  const tiled = tag(322) !== undefined;
  const offsets = tiled ? tag(324) : tag(273);
  const counts = compression === 1 && !tiled && offsets?.length === 1
    ? [width * height * spp]
    : tiled
    ? tag(325)
    : tag(279);
  if (!offsets || !counts || offsets.length !== counts.length) {
    corrupt(`tiff: strip/tile offsets or byte counts are missing; send a valid TIFF file`);
  }
  for (let i = 0; i < offsets!.length; i++) {
    if (!(offsets![i] + counts![i] <= bytes.length)) {
      corrupt(`tiff: image data ends beyond the ${bytes.length}-byte file (truncated); send the complete file`);
    }
  }

  let rgba: Uint8Array;
  try {
    UTIF.decodeImage(buffer, ifd);
    const data = ifd.data as Uint8Array | undefined;
    const need = width * height * spp;
    if (!data || data.length < need) corrupt(`tiff: image data is truncated; send the complete file`);
    rgba = new Uint8Array(UTIF.toRGBA8(ifd));
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    return corrupt(`tiff: image data cannot be decoded (${(e as Error).message}); the file is damaged`);
  }
  if (ifd.width !== width || ifd.height !== height || rgba.length !== width * height * 4) {
    corrupt(`tiff: decoded size does not match the header ${width}×${height}; send a valid TIFF file`);
  }
  return { width, height, data: rgba };
}

/** Bytes per value of each TIFF field type (1 BYTE … 13 IFD). */
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};

/** Every first-directory value stored out of line must lie inside the file (UTIF would read zeros). */
function checkDirectoryValues(bytes: Uint8Array): void {
  const r = byteReader(bytes, bytes[0] === 0x49, "tiff");
  const ifd = r.u32(4);
  const count = r.u16(ifd);
  r.need(ifd + 2, count * 12 + 4, "first image directory");
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    const size = (TYPE_SIZES[r.u16(e + 2)] ?? 1) * r.u32(e + 4);
    if (size > 4) r.need(r.u32(e + 8), size, `values of tag ${r.u16(e)}`);
  }
}
