/**
 * Command lines of the pipeline's scripts: `--help` prints the usage (options, defaults, an
 * example) and exits 0; a bad flag prints one line naming it (`evaluate.ts: unknown option
 * '--bogus' (see --help)`) and exits 2; a failing step exits 1.
 *
 * A script parses its arguments before it imports anything heavy (tfjs, onnxruntime, vega): its
 * static imports are this module, node builtins and types, the rest comes by `await import(…)`
 * after {@link cliArgs}, so `--help` and a typo answer at once (tests/cli_help_test.ts checks).
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** A bad command line; the message names the flag. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What a step's command line looks like. */
export interface CliSpec<O extends ParseArgsOptionsConfig> {
  /** The script, e.g. `quantize.ts` (messages start with it). */
  name: string;
  /** The usage text printed by `--help`: `Usage: …`, then the options with their defaults. */
  usage: string;
  /** One or more example command lines, printed under `Example:` after the usage. */
  example: string;
  options: O;
  /** Flags that must be given. */
  required?: readonly (keyof O & string)[];
  /** Flags this step no longer takes, with where they went (e.g. `name: "the card step: deno task card --name …"`). */
  moved?: Readonly<Record<string, string>>;
}

type Values<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"];

/**
 * The text `--help` prints: the usage, then the example indented under `Example:`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = helpText({ usage: "Usage: x.ts --run <dir>", example: "x.ts --run runs/a \\\n  --fast" });
 * assert.equal(text, "Usage: x.ts --run <dir>\n\nExample:\n  x.ts --run runs/a \\\n    --fast");
 * ```
 */
export function helpText(spec: Pick<CliSpec<ParseArgsOptionsConfig>, "usage" | "example">): string {
  const example = spec.example.trim().split("\n").map((line) => `  ${line}`).join("\n");
  return `${spec.usage.trimEnd()}\n\nExample:\n${example}`;
}

/** node:util's parse error as one short sentence: "unknown option '--bogus'". */
function parseErrorMessage(err: Error): string {
  const first = err.message.split(/\.\s/)[0].replace(/\.$/, "");
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/**
 * Parses `argv` by `spec`: `{ help: true }` for `--help`/`-h`, else the values; throws
 * {@link UsageError} naming the flag for an unknown, moved, missing or malformed one.
 *
 * @example
 * ```ts
 * const spec = {
 *   name: "x.ts",
 *   usage: "Usage: x.ts --run <dir>",
 *   example: "x.ts --run runs/a",
 *   options: { run: { type: "string" } },
 *   required: ["run"],
 * } as const;
 * const parsed = parseCliArgs(spec, ["--run", "runs/a"]);
 * if (parsed.help || parsed.values.run !== "runs/a") throw new Error("parsed");
 * if (!parseCliArgs(spec, ["--help"]).help) throw new Error("help");
 * try {
 *   parseCliArgs(spec, []);
 * } catch (err) {
 *   if (!(err instanceof UsageError) || !err.message.includes("--run")) throw err;
 * }
 * ```
 */
export function parseCliArgs<O extends ParseArgsOptionsConfig>(
  spec: CliSpec<O>,
  argv: readonly string[],
): { help: true } | { help: false; values: Values<O> } {
  if (argv.includes("--help") || argv.includes("-h")) return { help: true };
  for (const arg of argv) {
    const flag = /^--([^=]+)/.exec(arg)?.[1];
    if (flag && spec.moved?.[flag] && !(flag in spec.options)) {
      throw new UsageError(`--${flag} is no longer a flag of ${spec.name}: it belongs to ${spec.moved[flag]}`);
    }
  }
  let values: Values<O>;
  try {
    values = parseArgs({ args: [...argv], options: spec.options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(parseErrorMessage(err as Error));
  }
  for (const key of spec.required ?? []) {
    if ((values as Record<string, unknown>)[key] === undefined) throw new UsageError(`--${key} is required`);
  }
  return { help: false, values };
}

/**
 * {@link parseCliArgs} for a script's `main`, then `convert` (which may throw {@link UsageError}
 * too, e.g. from {@link numberFlag}): prints {@link helpText} and exits 0 on `--help`; prints one
 * line, `<name>: <what is wrong> (see --help)`, and exits 2 on a bad command line.
 *
 * @example A good command line (`argv` defaults to `process.argv.slice(2)`; `--help` or a bad one
 * would exit the process, which a doc test must not do):
 * ```ts
 * import assert from "node:assert/strict";
 * const SPEC = {
 *   name: "quantize.ts",
 *   usage: "Usage: quantize.ts --run <dir> [--calibration <n>]",
 *   example: "quantize.ts --run runs/x --calibration 64",
 *   options: { run: { type: "string" }, calibration: { type: "string" } },
 *   required: ["run"],
 * } as const;
 * const convert = (v: { run?: string; calibration?: string }) => ({
 *   run: v.run!,
 *   calibration: numberFlag(v.calibration, "calibration", { integer: true, min: 1, fallback: 256 }),
 * });
 * const { run, calibration } = cliArgs(SPEC, convert, ["--run", "runs/x", "--calibration", "64"]);
 * assert.deepEqual([run, calibration], ["runs/x", 64]);
 * ```
 */
export function cliArgs<O extends ParseArgsOptionsConfig, T = Values<O>>(
  spec: CliSpec<O>,
  convert: (values: Values<O>) => T = (v) => v as unknown as T,
  argv: readonly string[] = process.argv.slice(2),
): T {
  try {
    const parsed = parseCliArgs(spec, argv);
    if (parsed.help) {
      process.stdout.write(`${helpText(spec)}\n`);
      process.exit(0);
    }
    return convert(parsed.values);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${spec.name}: ${err.message} (see --help)\n`);
    process.exit(2);
  }
}

/**
 * A numeric flag's value; throws {@link UsageError} naming the flag when it is not a number in range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(numberFlag("256", "calibration", { integer: true, min: 1 }), 256);
 * assert.equal(numberFlag(undefined, "calibration", { fallback: 256 }), 256);
 * assert.throws(
 *   () => numberFlag("0.5", "calibration", { integer: true, min: 1 }),
 *   (err) => err instanceof UsageError && err.message === '--calibration must be a whole number ≥ 1, got "0.5"',
 * );
 * assert.throws(() => numberFlag(undefined, "calibration"), /--calibration is required/);
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

/** A step's own check failed (parity, agreement, a mismatched input): the message says what to do. */
export class StepError extends Error {
  override name = "StepError";
}

const EXPECTED = new Set(["StepError", "RunFileError", "UsageError", "ModelCardError"]);

/**
 * Ends a step that failed: prints `<step> failed: <message>` (the stack too for other errors than
 * {@link StepError}, `RunFileError`, {@link UsageError} and `ModelCardError`, which may be bugs)
 * and exits 1.
 *
 * @example Not run as a doc test: the handler ends the process (exit status 1).
 * ```ts ignore
 * main().catch(stepFailed("quantize"));
 * ```
 */
export function stepFailed(step: string): (err: unknown) => never {
  return (err) => {
    const e = err as Error | undefined;
    console.error(`${step} failed: ${e && EXPECTED.has(e.name) ? e.message : (e?.stack ?? String(err))}`);
    process.exit(1);
  };
}
