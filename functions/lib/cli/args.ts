/**
 * Command lines of the service's tools (`functions/tools/*.ts`, `functions/workers_dev.ts`):
 * `--help` prints the usage (options, defaults, an example) and exits 0; a bad flag prints one
 * line naming it (`load.ts: unknown option '--bogus' (see --help)`) and exits 2.
 *
 * The pipeline's scripts have the same rules in `scripts/lib/run/cli.ts`; the import rule keeps
 * the service and the pipeline from sharing a module outside the core, and a command-line parser
 * is no part of the model's contract.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** A bad command line; the message names the flag. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What a tool's command line looks like. */
export interface ToolSpec<O extends ParseArgsOptionsConfig> {
  /** The file, e.g. `load.ts` (error lines start with it). */
  name: string;
  /** The usage text printed by `--help`: `Usage: …`, then the options with their defaults. */
  usage: string;
  /** One or more example command lines, printed under `Example:` after the usage. */
  example: string;
  options: O;
}

type Values<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"];

/**
 * The text `--help` prints: the usage, then the example indented under `Example:`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   helpText({ usage: "Usage: x.ts [--n 3]", example: "x.ts --n 4" }),
 *   "Usage: x.ts [--n 3]\n\nExample:\n  x.ts --n 4",
 * );
 * ```
 */
export function helpText(spec: Pick<ToolSpec<ParseArgsOptionsConfig>, "usage" | "example">): string {
  const example = spec.example.trim().split("\n").map((line) => `  ${line}`).join("\n");
  return `${spec.usage.trimEnd()}\n\nExample:\n${example}`;
}

/**
 * Parses `argv` by `spec`: `{ help: true }` for `--help`/`-h`, else the values; throws
 * {@link UsageError} naming the flag for an unknown or malformed one (no positional arguments).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = { name: "x.ts", usage: "Usage: x.ts [--n 3]", example: "x.ts --n 4", options: { n: { type: "string", default: "3" } } } as const;
 * const parsed = parseToolArgs(spec, ["--n", "4"]);
 * assert.ok(!parsed.help && parsed.values.n === "4");
 * assert.deepEqual(parseToolArgs(spec, ["-h"]), { help: true });
 * assert.throws(() => parseToolArgs(spec, ["--m", "4"]), (err) => err instanceof UsageError && err.message === "unknown option '--m'");
 * ```
 */
export function parseToolArgs<O extends ParseArgsOptionsConfig>(
  spec: ToolSpec<O>,
  argv: readonly string[],
): { help: true } | { help: false; values: Values<O> } {
  if (argv.includes("--help") || argv.includes("-h")) return { help: true };
  try {
    return { help: false, values: parseArgs({ args: [...argv], options: spec.options, strict: true }).values };
  } catch (err) {
    // node:util's message as one short sentence: "unknown option '--bogus'"
    const first = (err as Error).message.split(/\.\s/)[0].replace(/\.$/, "");
    throw new UsageError(first.charAt(0).toLowerCase() + first.slice(1));
  }
}

/**
 * {@link parseToolArgs} for a tool's entry, then `convert` (which may throw {@link UsageError}
 * too, e.g. from {@link numberFlag}): prints {@link helpText} and exits 0 on `--help`; prints
 * `<name>: <what is wrong> (see --help)` and exits 2 on a bad command line.
 *
 * @example A good command line (`argv` defaults to `Deno.args`; `--help` or a bad one would exit)
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = {
 *   name: "load.ts",
 *   usage: "Usage: deno task load [--requests N]",
 *   example: "deno task load --requests 2000",
 *   options: { requests: { type: "string" } },
 * } as const;
 * const { requests } = toolArgs(spec, (v) => ({ requests: numberFlag(v.requests, "requests", { integer: true, min: 1, fallback: 1000 }) }), ["--requests", "20"]);
 * assert.equal(requests, 20);
 * ```
 */
export function toolArgs<O extends ParseArgsOptionsConfig, T = Values<O>>(
  spec: ToolSpec<O>,
  convert: (values: Values<O>) => T = (v) => v as unknown as T,
  argv: readonly string[] = Deno.args,
): T {
  try {
    const parsed = parseToolArgs(spec, argv);
    if (parsed.help) {
      console.log(helpText(spec));
      Deno.exit(0);
    }
    return convert(parsed.values);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${spec.name}: ${err.message} (see --help)`);
    Deno.exit(2);
  }
}

/**
 * A numeric flag's value; throws {@link UsageError} naming the flag when it is not a number in range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(numberFlag("16", "concurrency", { integer: true, min: 1 }), 16);
 * assert.equal(numberFlag(undefined, "concurrency", { fallback: 8 }), 8);
 * assert.throws(() => numberFlag("0", "concurrency", { integer: true, min: 1 }), /--concurrency must be a whole number ≥ 1, got "0"/);
 * ```
 */
export function numberFlag(
  value: string | undefined,
  flag: string,
  opts: { integer?: boolean; min?: number; max?: number; fallback?: number } = {},
): number {
  if (value === undefined) {
    if (opts.fallback === undefined) throw new UsageError(`--${flag} is required`);
    return opts.fallback;
  }
  const n = Number(value);
  const kind = opts.integer ? "a whole number" : "a number";
  const range = opts.min !== undefined && opts.max !== undefined
    ? ` in [${opts.min}, ${opts.max}]`
    : opts.min !== undefined
    ? ` ≥ ${opts.min}`
    : opts.max !== undefined
    ? ` ≤ ${opts.max}`
    : "";
  if (
    value.trim() === "" || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)
  ) {
    throw new UsageError(`--${flag} must be ${kind}${range}, got "${value}"`);
  }
  return n;
}
