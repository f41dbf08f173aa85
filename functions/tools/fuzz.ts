/**
 * Fuzzes the image decoders and the request path with seeded mutations of the fixture images.
 *
 *   deno task fuzz --iterations 20000 --seed 1 --max-minutes 10
 *
 * Options: `--iterations N` (default 2000), `--seed S` (default: time-based, printed),
 * `--timeout-ms T` per case (default 10000), `--max-minutes M` (stop early), `--model PATH`
 * (default the tiny test model), `--corpus DIR`, `--out DIR` (default .cache/fuzz: each finding's
 * input is saved there as `<iteration>-<kind>.bin` with a `.json` describing it).
 * Prints progress to stderr and a JSON summary on stdout; exits 1 when anything was found.
 *
 * @module
 */
import { toolArgs } from "../lib/cli/args.ts";

const args = toolArgs({
  name: "fuzz.ts",
  usage: `Usage: deno task fuzz [options]
  --iterations N    cases to run (2000)
  --seed S          the seed (default: time-based, printed)
  --timeout-ms T    per case (10000)
  --max-minutes M   stop early after M minutes
  --model FILE      the model of the request-path cases (tests/fixtures/models/tiny.int8.onnx)
  --corpus DIR      the images to mutate (tests/fixtures/images)
  --out DIR         where each finding's input is saved, <seed>-<iteration>-<kind>.bin + .json (.cache/fuzz)
Prints progress on stderr and a JSON summary on stdout; exits 1 when anything was found.`,
  example: "deno task fuzz --iterations 20000 --seed 1 --max-minutes 10",
  options: {
    iterations: { type: "string", default: "2000" },
    seed: { type: "string" },
    "timeout-ms": { type: "string", default: "10000" },
    "max-minutes": { type: "string" },
    model: { type: "string", default: "tests/fixtures/models/tiny.int8.onnx" },
    corpus: { type: "string", default: "tests/fixtures/images" },
    out: { type: "string", default: ".cache/fuzz" },
  },
});

const { readCorpus, runFuzz } = await import("./fuzz/harness.ts");

const seed = args.seed !== undefined ? Number(args.seed) : Date.now() % 0x7fffffff;
const corpus = await readCorpus(args.corpus);
if (corpus.length === 0) throw new Error(`no BMP/PNG/JPEG/TIFF files in ${args.corpus}; pass --corpus DIR`);
await Deno.mkdir(args.out, { recursive: true });
console.error(`fuzz: seed ${seed}, ${corpus.length} corpus files, up to ${args.iterations} cases`);
const report = await runFuzz({
  corpus,
  model: args.model,
  seed,
  iterations: Number(args.iterations),
  timeoutMs: Number(args["timeout-ms"]),
  maxMs: args["max-minutes"] ? Number(args["max-minutes"]) * 60_000 : undefined,
  onFinding: (f) => {
    const base = `${args.out}/${seed}-${f.iteration}-${f.kind}`;
    Deno.writeFileSync(`${base}.bin`, f.bytes);
    const { bytes: _, ...meta } = f;
    Deno.writeTextFileSync(`${base}.json`, JSON.stringify(meta, null, 2));
    console.error(
      `FINDING #${f.iteration} ${f.kind} ${f.target} [${f.seedFile}: ${f.ops.join("+")}] ${f.detail.split("\n")[0]}`,
    );
  },
  onProgress: (n, ms) => console.error(`  ${n} cases, ${(n / (ms / 1000)).toFixed(0)}/s`),
});
const summary = {
  seed: report.seed,
  iterations: report.iterations,
  elapsedS: Math.round(report.elapsedMs / 100) / 10,
  casesPerSecond: Math.round(report.iterations / (report.elapsedMs / 1000)),
  findings: report.findings.map(({ bytes: _, ...f }) => ({ ...f, detail: f.detail.split("\n")[0] })),
  answers: Object.fromEntries(Object.entries(report.answers).sort((a, b) => b[1] - a[1])),
  ops: report.ops,
};
console.log(JSON.stringify(summary, null, 2));
if (report.findings.length) Deno.exit(1);
