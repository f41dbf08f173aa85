/**
 * The fuzz loop: seeded mutations of a corpus of real images, each case checked in a worker
 * child process (./child.ts) with a per-case timeout; a case past the timeout is a `hang` finding
 * and the child is replaced (as it is when it dies: out of memory is a finding too). Reproducible: the same seed and corpus give the same cases.
 *
 * @module
 */
import type { ImageFormat } from "../../../model/core/mod.ts";
import { sniffFormat } from "../../../model/core/mod.ts";
import { createRng } from "./rng.ts";
import { mutate } from "./mutators.ts";
import type { Finding, FuzzCase } from "./check.ts";
import { type ChildReply, frameCase } from "./child.ts";

/** A corpus file. */
export interface Seed {
  name: string;
  format: ImageFormat;
  bytes: Uint8Array;
}

/** A finding with what reproduces it. */
export interface FuzzFinding extends Finding {
  iteration: number;
  seedFile: string;
  ops: string[];
  contentType: string;
  route: string;
  bytes: Uint8Array;
}

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  corpus: Seed[];
  /** ONNX model the app serves. */
  model: string;
  seed: number;
  iterations: number;
  /** Per-case limit (ms) before the case counts as a hang. */
  timeoutMs: number;
  /** Stop early after this long (ms), reporting how many cases ran. */
  maxMs?: number;
  /** Service environment for the app in the worker (e.g. MAX_PIXELS). */
  env?: Record<string, string>;
  onFinding?: (f: FuzzFinding) => void;
  onProgress?: (done: number, elapsedMs: number) => void;
}

/** What a run did. */
export interface FuzzReport {
  seed: number;
  iterations: number;
  elapsedMs: number;
  findings: FuzzFinding[];
  /** HTTP status:code → count. */
  answers: Record<string, number>;
  /** Mutator → cases it took part in. */
  ops: Record<string, number>;
}

const TYPES: Record<ImageFormat, string> = {
  png: "image/png",
  bmp: "image/bmp",
  jpeg: "image/jpeg",
  tiff: "image/tiff",
};

/**
 * Reads every image in `dir` (formats recognised by their bytes) as the corpus.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const corpus = await readCorpus("tests/fixtures/images");
 * assert.ok(corpus.length > 0);
 * assert.ok(corpus.every((s) => ["bmp", "png", "jpeg", "tiff"].includes(s.format)));
 * assert.ok(!corpus.some((s) => s.name === "ATTRIBUTION.md")); // not an image
 * ```
 */
export async function readCorpus(dir: string): Promise<Seed[]> {
  const out: Seed[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile) continue;
    const bytes = await Deno.readFile(`${dir}/${e.name}`);
    const format = sniffFormat(bytes);
    if (format) out.push({ name: e.name, format, bytes });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The `i`-th case of a run, from the run's RNG (cases are generated in order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 * const corpus = await readCorpus("tests/fixtures/images");
 * const c = nextCase(corpus, createRng(1));
 * assert.ok(corpus.some((s) => s.name === c.seedFile));
 * assert.ok(["/v1/predict", "/v1/explain", "/v1/cells"].includes(c.route));
 * assert.deepEqual(nextCase(corpus, createRng(1)), c); // a seed gives the same cases
 * ```
 */
export function nextCase(
  corpus: Seed[],
  rng: ReturnType<typeof createRng>,
): FuzzCase & { seedFile: string; ops: string[] } {
  const s = rng.pick(corpus);
  const { bytes, ops } = mutate(s.bytes, rng, s.format);
  const contentType = rng.pick([
    TYPES[s.format],
    TYPES[s.format],
    "application/octet-stream",
    "",
    rng.pick(Object.values(TYPES)),
  ]);
  // /v1/cells locates and crops on top of decoding: hostile pixels meet the locator too
  const route = rng.chance(0.6)
    ? "/v1/predict" as const
    : rng.chance(0.5)
    ? "/v1/explain" as const
    : "/v1/cells" as const;
  return { bytes, contentType, route, seedFile: s.name, ops };
}

class CaseChild {
  #proc!: Deno.ChildProcess;
  #writer!: WritableStreamDefaultWriter<Uint8Array>;
  #lines!: ReadableStreamDefaultReader<string>;
  #buffered = "";
  constructor(private model: string, private env: Record<string, string>) {}

  async start(): Promise<void> {
    this.#proc = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--max-old-space-size=2048",
        new URL("./child.ts", import.meta.url).pathname,
        this.model,
        JSON.stringify(this.env),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.#proc.stdin.getWriter();
    this.#lines = this.#proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const r = await this.#next(120_000);
    if (typeof r !== "object" || r.type !== "ready") {
      throw new Error("fuzz child did not start (check that the model path is right)");
    }
  }

  async #next(timeoutMs: number): Promise<ChildReply | undefined | "exited"> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)));
    const line = (async () => {
      while (!this.#buffered.includes("\n")) {
        const { value, done } = await this.#lines.read();
        if (done) return "exited" as const;
        this.#buffered += value;
      }
      const i = this.#buffered.indexOf("\n");
      const l = this.#buffered.slice(0, i);
      this.#buffered = this.#buffered.slice(i + 1);
      return JSON.parse(l) as ChildReply;
    })();
    try {
      return await Promise.race([line, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async check(id: number, c: FuzzCase, timeoutMs: number): Promise<ChildReply | undefined | "exited"> {
    try {
      await this.#writer.write(frameCase(id, c));
    } catch {
      return "exited";
    }
    return await this.#next(timeoutMs);
  }

  async stop(): Promise<void> {
    try {
      this.#proc.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.#proc.status;
    await this.#lines.cancel().catch(() => {});
  }
}

/**
 * Runs the fuzz loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const corpus = await readCorpus("tests/fixtures/images");
 * const report = await runFuzz({
 *   corpus, model: "tests/fixtures/models/tiny.int8.onnx", seed: 1, iterations: 10, timeoutMs: 10_000,
 * });
 * assert.equal(report.iterations, 10);
 * assert.deepEqual(report.findings, []);
 * ```
 */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const rng = createRng(opts.seed);
  const env = { REQUEST_BUDGET_MS: "0", ...opts.env };
  let worker = new CaseChild(opts.model, env);
  await worker.start();
  const t0 = performance.now();
  const report: FuzzReport = { seed: opts.seed, iterations: 0, elapsedMs: 0, findings: [], answers: {}, ops: {} };
  try {
    for (let i = 0; i < opts.iterations; i++) {
      if (opts.maxMs !== undefined && performance.now() - t0 > opts.maxMs) break;
      const c = nextCase(opts.corpus, rng);
      for (const op of c.ops) report.ops[op] = (report.ops[op] ?? 0) + 1;
      const r = await worker.check(i, { bytes: c.bytes, contentType: c.contentType, route: c.route }, opts.timeoutMs);
      const found: Finding[] = [];
      if (!r || r === "exited" || r.type !== "result") {
        found.push(
          r === "exited"
            ? { kind: "exception", target: "process", detail: "the checking process died (crash or out of memory)" }
            : { kind: "hang", target: c.route, detail: `no answer within ${opts.timeoutMs} ms` },
        );
        await worker.stop();
        worker = new CaseChild(opts.model, env);
        await worker.start();
      } else {
        const key = `${r.status} ${r.code}`;
        report.answers[key] = (report.answers[key] ?? 0) + 1;
        found.push(...r.findings);
      }
      for (const f of found) {
        const ff: FuzzFinding = {
          ...f,
          iteration: i,
          seedFile: c.seedFile,
          ops: c.ops,
          contentType: c.contentType,
          route: c.route,
          bytes: c.bytes,
        };
        report.findings.push(ff);
        opts.onFinding?.(ff);
      }
      report.iterations = i + 1;
      if ((i + 1) % 500 === 0) opts.onProgress?.(i + 1, performance.now() - t0);
    }
  } finally {
    await worker.stop();
  }
  report.elapsedMs = Math.round(performance.now() - t0);
  return report;
}
