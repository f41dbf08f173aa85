/**
 * Every command-line program of the project answers `--help` (exit 0, `Usage: …` with the options
 * and an `Example:`) and rejects an unknown option with one line that names it and points to
 * `--help` (exit 2, no stack trace): the pipeline's scripts (`scripts/*.ts`, under Node through
 * tsx) and the service's tools (`functions/tools/*.ts`, `functions/workers_dev.ts`, under Deno).
 *
 * The scripts run with a module hook that fails any import of tfjs, onnxruntime, vega, resvg or
 * webgpu: `--help` and a typo must answer before the script loads anything heavy.
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url);

function listDir(dir: string, keep: (name: string) => boolean): string[] {
  return [...Deno.readDirSync(new URL(dir, ROOT))]
    .filter((e) => e.isFile && e.name.endsWith(".ts") && !/_test\.ts$|_bench\.ts$/.test(e.name) && keep(e.name))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}

const SCRIPTS = listDir("scripts", () => true);
const TOOLS = [...listDir("functions/tools", () => true), "functions/workers_dev.ts"];

/** Fails the import of a heavy package, naming it (a module hook, registered before tsx's). */
const HEAVY_HOOK = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /\\/node_modules\\/((?:@tensorflow|onnxruntime|vega|@resvg|onnx-proto|webgpu|playwright-core)[^/]*(?:\\/[^/]+)?)/.exec(r.url);
  if (m) throw new Error("loaded " + m[1] + " before parsing its arguments: import it after cliArgs()");
  return r;
}`;
const REGISTER = `import { register } from "node:module"; register(${
  JSON.stringify(`data:text/javascript,${encodeURIComponent(HEAVY_HOOK)}`)
});`;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: string[]): Promise<Ran> {
  const [cmd, pre] = file.startsWith("scripts/")
    ? ["node", ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, "--import", "tsx"]]
    : [Deno.execPath(), ["run", "-A", "--unstable-kv", "--no-check"]];
  const out = await new Deno.Command(cmd, {
    args: [...pre, file, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Runs `fn` over `items`, `limit` at a time (the scripts start a Node process each). */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function checkAll(files: string[]): Promise<string[]> {
  const problems = await pool(files, 3, async (file) => {
    const found: string[] = [];
    const help = await run(file, ["--help"]);
    if (help.code !== 0) found.push(`--help exited ${help.code}: ${help.stderr.trim().slice(0, 400)}`);
    if (!/^Usage: /.test(help.stdout)) found.push(`--help does not start with "Usage: ": ${help.stdout.slice(0, 80)}`);
    if (!/\nExample:\n {2}\S/.test(help.stdout)) found.push("--help shows no Example:");
    if (help.stderr.trim()) found.push(`--help wrote to stderr: ${help.stderr.trim().slice(0, 400)}`);
    const bad = await run(file, ["--no-such-option"]);
    const lines = bad.stderr.trim().split("\n");
    if (bad.code !== 2) found.push(`an unknown option exited ${bad.code}: ${bad.stderr.trim().slice(0, 400)}`);
    if (lines.length !== 1 || !lines[0].includes("'--no-such-option'") || !lines[0].endsWith("(see --help)")) {
      found.push(`an unknown option is not one line naming it and pointing to --help: ${bad.stderr.slice(0, 400)}`);
    }
    if (bad.stdout.trim()) found.push(`an unknown option wrote to stdout: ${bad.stdout.slice(0, 200)}`);
    return found.map((p) => `${file}: ${p}`);
  });
  return problems.flat();
}

Deno.test("the lists cover the project's programs", () => {
  for (
    const f of ["scripts/evaluate.ts", "scripts/prepare_data.ts", "scripts/train.ts", "scripts/make_test_model.ts"]
  ) {
    assert.ok(SCRIPTS.includes(f), f);
  }
  assert.ok(!SCRIPTS.some((f) => f.endsWith("_test.ts")));
  assert.ok(TOOLS.includes("functions/tools/load.ts") && TOOLS.includes("functions/tools/fuzz.ts"));
});

Deno.test("scripts/*.ts: --help and an unknown option, before anything heavy is loaded", async () => {
  const problems = await checkAll(SCRIPTS);
  assert.deepEqual(problems, [], problems.join("\n"));
});

Deno.test("functions/tools/*.ts and workers_dev.ts: --help and an unknown option", async () => {
  const problems = await checkAll(TOOLS);
  assert.deepEqual(problems, [], problems.join("\n"));
});
