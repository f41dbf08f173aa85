/**
 * Checks a JPEG's scans against its frame header before the (uninterruptible) wasm decoder runs:
 *
 * - work: every scan is another pass of the decoder over the blocks of its components, so the scans
 *   together may visit each block of the frame at most {@link MAX_SCAN_PASSES} times on average
 *   (libjpeg's standard progressive script visits each about 4.7 times, a baseline file once);
 *   beyond that the file is `too_much_work`;
 * - data: the decoder pads a scan that ends early with zeros and still spends the whole frame's
 *   time and memory on it (issue 18: a 4000×4000 header followed by 219 KB of zeros was answered
 *   with a prediction). So the Huffman codes of every sequential scan, and of every progressive
 *   DC scan, are walked (decoded without the inverse DCT, cheap) to see that the data holds every
 *   block the header declares. A scan may come up short by at most one row of MCUs (some encoders
 *   cut the last row); anything shorter is `corrupt_image`. Progressive AC scans are not walked:
 *   end-of-band runs let a few bytes legitimately cover thousands of blocks.
 *
 * @module
 */
import { corrupt, tooMuchWork } from "./errors.ts";
import type { JpegHuffmanTable, JpegScan, JpegStructure } from "./header.ts";
import { countWork } from "./work.ts";

/** Most passes over the frame's blocks that all scans together may make (on average per block). */
export const MAX_SCAN_PASSES = 20;

/** A Huffman table ready for decoding: 9-bit lookahead plus the canonical limits for longer codes. */
interface Decoder {
  /** Indexed by the next 9 bits: `length << 8 | symbol`, 0 when the code is longer. */
  fast: Int32Array;
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  symbols: Uint8Array;
}

function decoderFor(t: JpegHuffmanTable): Decoder {
  const d: Decoder = {
    fast: new Int32Array(512),
    maxcode: new Int32Array(17).fill(-1),
    valptr: new Int32Array(17),
    mincode: new Int32Array(17),
    symbols: Uint8Array.from(t.symbols),
  };
  let code = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    d.valptr[len] = k, d.mincode[len] = code;
    for (let i = 0; i < t.counts[len - 1]; i++, code++, k++) {
      if (code >= 1 << len) corrupt(`jpeg: a Huffman table has more codes than fit; the file is damaged`);
      if (len <= 9) d.fast.fill((len << 8) | t.symbols[k], code << (9 - len), (code + 1) << (9 - len));
    }
    if (t.counts[len - 1]) d.maxcode[len] = code - 1;
    code <<= 1;
  }
  return d;
}

/**
 * Reads the bits of one scan's entropy-coded data, unstuffing 0xFF00; at a marker (or the end of the
 * data) it feeds zero bits and counts them as padding, so running past the real data is detectable.
 */
class Bits {
  /** Up to 24 bits (kept below 2^24: small integers are fastest). */
  acc = 0;
  /** Bits in `acc`. */
  n = 0;
  /** Of those, how many (the lowest) are padding past a marker or the end. */
  pad = 0;
  /** Position of the marker that stopped reading, or -1. */
  marker = -1;
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number) {}

  /** Tops `acc` up to 17–24 bits. */
  fill(): void {
    while (this.n <= 16) {
      let b = 0;
      if (this.marker < 0 && this.pos < this.end) {
        b = this.bytes[this.pos];
        if (b === 0xff) {
          if (this.bytes[this.pos + 1] === 0) this.pos += 2;
          else this.marker = this.pos, b = 0, this.pad += 8;
        } else this.pos++;
      } else this.pad += 8;
      this.acc = ((this.acc << 8) | b) & 0xffffff;
      this.n += 8;
    }
  }

  /** Whether bits past the real data have been consumed. */
  get overrun(): boolean {
    return this.n < this.pad;
  }

  /** Decodes one symbol; -1 for a code the table does not have. */
  decode(t: Decoder): number {
    if (this.n < 16) this.fill();
    const e = t.fast[(this.acc >>> (this.n - 9)) & 511];
    if (e) {
      this.n -= e >> 8;
      return e & 255;
    }
    for (let len = 10; len <= 16; len++) {
      const code = (this.acc >>> (this.n - len)) & ((1 << len) - 1);
      if (code <= t.maxcode[len]) {
        this.n -= len;
        return t.symbols[t.valptr[len] + code - t.mincode[len]];
      }
    }
    return -1;
  }

  skip(k: number): void {
    if (this.n < k) this.fill();
    this.n -= k;
  }

  /** Moves past the next restart marker; false when the next marker is something else (or none). */
  restart(): boolean {
    let at = this.marker;
    if (at < 0) {
      // bytes left before the marker (libjpeg skips them with a warning)
      for (at = this.pos; at < this.end; at++) {
        if (this.bytes[at] === 0xff && this.bytes[at + 1] !== 0) break;
      }
    }
    while (at + 1 < this.end && this.bytes[at + 1] === 0xff) at++; // fill bytes before the marker
    if (at >= this.end || this.bytes[at + 1] < 0xd0 || this.bytes[at + 1] > 0xd7) return false;
    this.pos = at + 2, this.marker = -1, this.acc = 0, this.n = 0, this.pad = 0;
    return true;
  }
}

/**
 * Refuses a JPEG whose scans ask for more than {@link MAX_SCAN_PASSES} passes over its blocks
 * (`too_much_work`) or whose data cannot hold the blocks its header declares (`corrupt_image`);
 * see the module's comment. Lossless and hierarchical frames (SOF3, SOF5+) are not checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readJpegStructure } from "./header.ts";
 * const bytes = await Deno.readFile("tests/fixtures/images/full_baseline.jpg");
 * checkJpegScans(bytes, readJpegStructure(bytes)); // a real file passes
 * const cut = bytes.slice(0, bytes.length >> 1); // half the data for the same header
 * assert.throws(() => checkJpegScans(cut, readJpegStructure(cut)), /ends after/);
 * ```
 */
export function checkJpegScans(bytes: Uint8Array, s: JpegStructure): void {
  if (s.sof > 2) return;
  const comps = s.frameComponents;
  const hMax = Math.max(...comps.map((c) => c.h)), vMax = Math.max(...comps.map((c) => c.v));
  if (!comps.every((c) => c.h >= 1 && c.h <= 4 && c.v >= 1 && c.v <= 4)) {
    corrupt(`jpeg: sampling factors must be 1–4; the file is damaged`);
  }
  const blocksW = comps.map((c) => Math.ceil(Math.ceil((s.width * c.h) / hMax) / 8));
  const blocksH = comps.map((c) => Math.ceil(Math.ceil((s.height * c.v) / vMax) / 8));
  const blocks = comps.map((_, i) => blocksW[i] * blocksH[i]);
  const frameBlocks = blocks.reduce((a, b) => a + b, 0);
  const visits = s.scans.reduce((n, scan) => n + scan.components.reduce((m, c) => m + blocks[c], 0), 0);
  if (visits > MAX_SCAN_PASSES * frameBlocks) {
    tooMuchWork(
      `jpeg: its ${s.scans.length} scans pass over the image's blocks ${
        (visits / frameBlocks).toFixed(1)
      } times (at most ${MAX_SCAN_PASSES} accepted; a progressive JPEG takes about 5); re-save it as a baseline JPEG`,
    );
  }

  const progressive = s.sof === 2;
  const covered = new Set<number>();
  const decoders = new Map<JpegHuffmanTable, Decoder>();
  const decoder = (t: JpegHuffmanTable | undefined, i: number): Decoder => {
    if (!t) corrupt(`jpeg: scan ${i + 1} uses a Huffman table that is not defined; the file is damaged`);
    let d = decoders.get(t!);
    if (!d) decoders.set(t!, d = decoderFor(t!));
    return d;
  };
  s.scans.forEach((scan, i) => {
    if (progressive && (scan.ss !== 0 || scan.ah !== 0)) return; // AC or refinement scan
    const dc = scan.components.map((_, k) => decoder(scan.dcTables[k], i));
    const ac = progressive ? [] : scan.components.map((_, k) => decoder(scan.acTables[k], i));
    // MCU layout: one block per MCU for a single-component scan, h×v blocks per component otherwise
    const single = scan.components.length === 1;
    const across = single ? blocksW[scan.components[0]] : Math.ceil(s.width / (8 * hMax));
    const mcus = single ? blocks[scan.components[0]] : across * Math.ceil(s.height / (8 * vMax));
    const perMcu = scan.components.map((c) => single ? 1 : comps[c].h * comps[c].v);
    const missing = walk(bytes, scan, mcus, dc, ac, perMcu);
    if (missing > across) {
      corrupt(
        `jpeg: the data of scan ${i + 1} ends after ${mcus - missing} of the ${mcus} ${
          single ? "blocks" : "MCUs"
        } a ${s.width}×${s.height} image needs; the file is truncated or its size field is wrong, send the original JPEG`,
      );
    }
    for (const c of scan.components) covered.add(c);
  });
  const lacking = comps.findIndex((_, i) => !covered.has(i));
  if (lacking >= 0) {
    corrupt(`jpeg: component ${lacking + 1} has no ${progressive ? "DC " : ""}scan; the file is damaged`);
  }
}

/**
 * Walks the Huffman codes of `mcus` MCUs (DC only when `ac` is empty); returns how many MCUs the
 * data does not hold, counting a restart interval cut short (or holding a bad code) as missing its
 * remaining MCUs, as a decoder resynchronising at the next restart marker would.
 */
function walk(
  bytes: Uint8Array,
  scan: JpegScan,
  mcus: number,
  dc: Decoder[],
  ac: Decoder[],
  perMcu: number[],
): number {
  const bits = new Bits(bytes, scan.start, scan.end);
  const interval = scan.restartInterval || mcus;
  let missing = 0, walked = 0;
  for (let m = 0; m < mcus;) {
    const stop = Math.min(mcus, m + interval);
    mcu:
    for (; m < stop; m++) {
      for (let k = 0; k < perMcu.length; k++) {
        for (let b = 0; b < perMcu[k]; b++) {
          const s = bits.decode(dc[k]);
          if (s < 0 || s > 16) break mcu;
          bits.skip(s);
          if (ac.length) {
            const t = ac[k];
            for (let z = 1; z < 64;) {
              const rs = bits.decode(t);
              if (rs < 0) break mcu;
              if (rs & 15) z += (rs >> 4) + 1, bits.skip(rs & 15);
              else if (rs === 0xf0) z += 16;
              else break;
            }
          }
        }
      }
      if (bits.overrun) break;
      walked++;
    }
    missing += stop - m;
    m = stop;
    if (m < mcus && !bits.restart()) {
      missing += mcus - m;
      break;
    }
  }
  countWork("jpegBlocks", walked * perMcu.reduce((a, b) => a + b, 0));
  return missing;
}
