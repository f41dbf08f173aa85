/**
 * Writing report files: safe file names, PNG/HTML/JSON writers that return what they wrote, and the
 * default image loader (manifest root + relative path → decoded pixels).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DecodedImage, decodeImage } from "../../../model/core/mod.ts";
import type { RgbaImage } from "../../../model/core/mod.ts";
import { type ChartSpec, renderChart } from "./chart.ts";
import { encodeRgbaPng } from "./png.ts";

/**
 * A file-name-safe version of a class or metric name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(safeName("Pre B/ALL"), "pre-b-all");
 * ```
 */
export function safeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9._]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/** Collects the files a report writes into one folder. */
export class ReportWriter {
  /** Relative names of the files written, in order. */
  readonly files: string[] = [];
  constructor(readonly dir: string) {}

  /** Creates the folder (and parents). */
  async init(): Promise<this> {
    await mkdir(this.dir, { recursive: true });
    return this;
  }

  /** Writes bytes or text as `name` inside the folder; returns `name`. */
  async write(name: string, data: Uint8Array | string): Promise<string> {
    await writeFile(join(this.dir, name), data);
    this.files.push(name);
    return name;
  }

  /** Renders a Vega-Lite chart to `name` (.png); returns `name`. */
  async chart(name: string, spec: ChartSpec): Promise<string> {
    return this.write(name, (await renderChart(spec)).png);
  }

  /** Encodes RGBA pixels to `name` (.png); returns `name`. */
  image(name: string, img: RgbaImage): Promise<string> {
    return this.write(name, encodeRgbaPng(img));
  }

  /** Writes pretty JSON (non-finite numbers as null); returns `name`. */
  json(name: string, value: unknown): Promise<string> {
    return this.write(
      name,
      JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1) + "\n",
    );
  }
}

/** A decoded image with its file size. */
export interface LoadedImage {
  image: DecodedImage;
  bytes: number;
}

/** Loads one image given its manifest-relative path. */
export type ImageLoader = (path: string) => Promise<LoadedImage>;

/**
 * Loader reading `root/path` from disk and decoding it with the service's decoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const load = fileLoader("tests/fixtures/images"); // reports pass manifest.root
 * const { image, bytes } = await load("taleqani_Benign_WBC-Benign-001.jpg");
 * assert.deepEqual([image.format, image.width, bytes > 0], ["jpeg", 224, true]);
 * await assert.rejects(load("missing.jpg"), /is the manifest root \(tests\/fixtures\/images\) right\?/);
 * ```
 */
export function fileLoader(root: string): ImageLoader {
  return async (path) => {
    const file = join(root, path);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (err) {
      throw new Error(`cannot read image ${file}: ${(err as Error).message}; is the manifest root (${root}) right?`);
    }
    try {
      return { image: await decodeImage(bytes), bytes: bytes.length };
    } catch (err) {
      throw new Error(`cannot decode ${file}: ${(err as Error).message}`);
    }
  };
}
