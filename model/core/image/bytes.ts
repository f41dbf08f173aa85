/**
 * Bounds-checked integer reads for the header parsers and decoders: every read past the end of
 * the buffer throws a `corrupt_image` error naming the format, never returns `undefined`.
 *
 * @module
 */
import { corrupt } from "./errors.ts";

/** A bounds-checked reader over one file's bytes. */
export interface ByteReader {
  readonly bytes: Uint8Array;
  u8(offset: number): number;
  u16(offset: number): number;
  u32(offset: number): number;
  i32(offset: number): number;
  /** Throws unless `[offset, offset + length)` lies inside the buffer. */
  need(offset: number, length: number, what: string): void;
}

/**
 * A reader for `bytes` in the given byte order; `format` prefixes error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = byteReader(new Uint8Array([1, 0, 0, 0]), true, "bmp");
 * assert.equal(r.u32(0), 1);
 * ```
 */
export function byteReader(bytes: Uint8Array, littleEndian: boolean, format: string): ByteReader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (offset: number, length: number, what: string): void => {
    if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) {
      corrupt(
        `${format}: file is truncated or corrupt (${what} lies outside the ${bytes.length}-byte file); send the complete, unmodified image`,
      );
    }
  };
  return {
    bytes,
    need,
    u8: (o) => (need(o, 1, `byte at ${o}`), bytes[o]),
    u16: (o) => (need(o, 2, `field at ${o}`), view.getUint16(o, littleEndian)),
    u32: (o) => (need(o, 4, `field at ${o}`), view.getUint32(o, littleEndian)),
    i32: (o) => (need(o, 4, `field at ${o}`), view.getInt32(o, littleEndian)),
  };
}
