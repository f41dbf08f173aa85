import assert from "node:assert/strict";
import { helpText, numberFlag, parseToolArgs, UsageError } from "./args.ts";

const spec = {
  name: "x.ts",
  usage: "Usage: x.ts [--url URL] [--n 3] [--spawn]",
  example: "x.ts --url http://127.0.0.1:8000 --n 5",
  options: { url: { type: "string" }, n: { type: "string", default: "3" }, spawn: { type: "boolean" } },
} as const;

Deno.test("parseToolArgs: values with defaults, --help anywhere, errors that name the flag", () => {
  const ok = parseToolArgs(spec, ["--url", "http://h", "--spawn"]);
  assert.ok(!ok.help);
  assert.deepEqual({ ...ok.values }, { url: "http://h", n: "3", spawn: true });
  assert.deepEqual(parseToolArgs(spec, ["--n", "4", "--help"]), { help: true });
  const bad = (argv: string[], message: string) =>
    assert.throws(() => parseToolArgs(spec, argv), (err) => err instanceof UsageError && err.message === message);
  bad(["--port", "1"], "unknown option '--port'");
  bad(["--url"], "option '--url <value>' argument missing");
  bad(["--spawn=yes"], "option '--spawn' does not take an argument");
  bad(["extra"], "unexpected argument 'extra'");
});

Deno.test("helpText and numberFlag", () => {
  assert.equal(
    helpText(spec),
    "Usage: x.ts [--url URL] [--n 3] [--spawn]\n\nExample:\n  x.ts --url http://127.0.0.1:8000 --n 5",
  );
  assert.equal(numberFlag("1", "n", { integer: true, min: 1 }), 1);
  assert.throws(
    () => numberFlag("0.5", "n", { integer: true, min: 1 }),
    /^UsageError: --n must be a whole number ≥ 1, got "0.5"$/,
  );
  assert.throws(() => numberFlag("2", "q", { min: 0, max: 1 }), /--q must be a number in \[0, 1\], got "2"/);
  assert.throws(() => numberFlag(undefined, "n"), /--n is required/);
});
