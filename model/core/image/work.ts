/**
 * Counters of the work the bounded decoding stages have done since the process started: bytes
 * produced by inflate, LZW and PackBits, and JPEG blocks walked before decoding. Tests and benches
 * read them before and after a decode to assert that hostile input stopped early; nothing else
 * depends on them.
 *
 * @module
 */

/** Running totals (only ever increase). */
export interface WorkCounters {
  /** Bytes produced by inflate (written or only counted past the output's end). */
  inflated: number;
  /** Bytes produced by the TIFF LZW decoder. */
  lzw: number;
  /** Bytes produced by the TIFF PackBits decoder. */
  packBits: number;
  /** 8×8 blocks whose Huffman codes the JPEG check walked. */
  jpegBlocks: number;
}

const counters: WorkCounters = { inflated: 0, lzw: 0, packBits: 0, jpegBlocks: 0 };

/**
 * Adds `n` to counter `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const before = workCounters().lzw;
 * countWork("lzw", 10);
 * assert.equal(workCounters().lzw - before, 10);
 * ```
 */
export function countWork(name: keyof WorkCounters, n: number): void {
  counters[name] += n;
}

/**
 * A snapshot of the counters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { inflated } = workCounters();
 * assert.ok(inflated >= 0);
 * ```
 */
export function workCounters(): WorkCounters {
  return { ...counters };
}
