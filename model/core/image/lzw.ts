/**
 * TIFF LZW decoder (MSB-first codes of 9–12 bits, Clear 256, EOI 257, "early change"), replacing
 * utif2's `UTIF.decode._decodeLZW`, which loops forever on some corrupt inputs (its string table
 * can form cycles). Here every table entry points only to an older entry, so decoding is bounded.
 *
 * @module
 */
import { corrupt } from "./errors.ts";

const CLEAR = 256;
const EOI = 257;

/**
 * Decodes `len` bytes of LZW data at `data[off]` into `tgt` from `toff` on (output past the end of
 * `tgt` is dropped); returns the output position reached. Throws `corrupt_image` on an impossible code.
 * Same signature as utif2's internal decoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // codes (9 bit): Clear, 'A', 'B', 258 ("AB"), EOI
 * const out = new Uint8Array(4);
 * const n = decodeTiffLzw(new Uint8Array([0x80, 0x10, 0x48, 0x50, 0x28, 0x08]), 0, 6, out, 0);
 * assert.equal(n, 4);
 * assert.equal(new TextDecoder().decode(out), "ABAB");
 * ```
 */
export function decodeTiffLzw(data: Uint8Array, off: number, len: number, tgt: Uint8Array, toff: number): number {
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) prefix[i] = -1, suffix[i] = i, first[i] = i, length[i] = 1;
  let next = 258, width = 9, prev = -1, out = toff;
  let bit = off * 8;
  const endBit = Math.min(off + len, data.length) * 8;

  const emit = (code: number): void => {
    const n = length[code];
    let p = out + n - 1;
    for (let c = code; c >= 0; c = prefix[c], p--) if (p < tgt.length) tgt[p] = suffix[c];
    out += n;
  };

  while (bit + width <= endBit) {
    const s = bit >>> 3;
    const word = (data[s] << 16) | ((data[s + 1] ?? 0) << 8) | (data[s + 2] ?? 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === EOI) break;
    if (code === CLEAR) {
      next = 258, width = 9, prev = -1;
      continue;
    }
    if (prev < 0) {
      if (code > 255) corrupt(`tiff: LZW data starts with code ${code}; the file is damaged`);
      emit(code);
    } else if (code < next) {
      emit(code);
      add(prev, first[code]);
    } else if (code === next) {
      add(prev, first[prev]);
      emit(code);
    } else {
      corrupt(`tiff: LZW code ${code} is not in the table (${next} entries); the file is damaged`);
    }
    prev = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out;

  function add(pre: number, byte: number): void {
    if (next >= 4096) return; // table full: encoder should have sent Clear; keep decoding
    prefix[next] = pre;
    suffix[next] = byte;
    first[next] = first[pre];
    length[next] = length[pre] + 1;
    next++;
  }
}
