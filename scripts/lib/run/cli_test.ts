import assert from "node:assert/strict";
import { helpText, numberFlag, parseCliArgs, UsageError } from "./cli.ts";

const spec = {
  name: "x.ts",
  usage: "Usage: x.ts --run <dir> [--n 3] [--fast]",
  example: "x.ts --run runs/a --fast",
  options: { run: { type: "string" }, n: { type: "string", default: "3" }, fast: { type: "boolean" } },
  required: ["run"],
  moved: { name: "the card step" },
} as const;

Deno.test("parseCliArgs: values, --help, and errors that name the flag", () => {
  const ok = parseCliArgs(spec, ["--run", "runs/a", "--fast"]);
  assert.ok(!ok.help);
  assert.deepEqual({ ...ok.values }, { run: "runs/a", n: "3", fast: true });
  assert.deepEqual(parseCliArgs(spec, ["--run", "r", "--help"]), { help: true });
  assert.deepEqual(parseCliArgs(spec, ["-h"]), { help: true });
  const usage = (argv: string[], message: RegExp) =>
    assert.throws(
      () => parseCliArgs(spec, argv),
      (err: unknown) => err instanceof UsageError && message.test(err.message),
    );
  usage([], /^--run is required$/);
  usage(["--run", "r", "--bogus"], /^unknown option '--bogus'$/);
  usage(["--run", "r", "-x"], /^unknown option '-x'$/);
  usage(["--run"], /^option '--run <value>' argument missing$/);
  usage(["--run", "r", "--fast=1"], /^option '--fast' does not take an argument$/);
  usage(["--run", "r", "extra"], /^unexpected argument 'extra'$/);
  usage(["--run", "r", "--name", "all-v5"], /^--name is no longer a flag of x\.ts: it belongs to the card step$/);
});

Deno.test("numberFlag: the value, the fallback, or an error naming the flag and the rule", () => {
  assert.equal(numberFlag("256", "calibration", { integer: true, min: 1 }), 256);
  assert.equal(numberFlag(undefined, "calibration", { fallback: 8 }), 8);
  assert.throws(() => numberFlag(undefined, "calibration"), /--calibration is required/);
  assert.throws(
    () => numberFlag("2.5", "calibration", { integer: true, min: 1 }),
    /--calibration must be a whole number ≥ 1, got "2.5"/,
  );
  assert.throws(() => numberFlag("", "x"), /--x must be a number/);
  assert.throws(() => numberFlag("1.5", "target-sensitivity", { min: 0.5, max: 1 }), /in \[0.5, 1\]/);
});

Deno.test("helpText: the usage, then the example indented under Example:", () => {
  assert.equal(
    helpText({ usage: "Usage: x.ts --run <dir>\n  --run DIR  the run\n", example: "x.ts --run runs/a" }),
    "Usage: x.ts --run <dir>\n  --run DIR  the run\n\nExample:\n  x.ts --run runs/a",
  );
});
