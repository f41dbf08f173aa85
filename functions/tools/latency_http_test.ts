import assert from "node:assert/strict";
import { quantile, startTaskArgs } from "./latency_http.ts";

Deno.test("startTaskArgs: the start task's deno arguments (a string or { command }), extra V8 flags before the entry", () => {
  const dir = Deno.makeTempDirSync();
  const config = `${dir}/deno.json`;
  Deno.writeTextFileSync(
    config,
    JSON.stringify({ tasks: { start: "./node_modules/.bin/deno run -A --v8-flags=--a  functions/deno.ts" } }),
  );
  assert.deepEqual(startTaskArgs(undefined, config), ["run", "-A", "--v8-flags=--a", "functions/deno.ts"]);
  assert.deepEqual(startTaskArgs("--b", config), [
    "run",
    "-A",
    "--v8-flags=--a",
    "--v8-flags=--b",
    "functions/deno.ts",
  ]);
  Deno.writeTextFileSync(
    config,
    JSON.stringify({ tasks: { start: { description: "d", command: "deno run -A --x functions/deno.ts" } } }),
  );
  assert.deepEqual(startTaskArgs(undefined, config), ["run", "-A", "--x", "functions/deno.ts"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("startTaskArgs: the project's start task runs functions/deno.ts", () => {
  const args = startTaskArgs(undefined, new URL("../../deno.json", import.meta.url).pathname);
  assert.equal(args[0], "run");
  assert.equal(args.at(-1), "functions/deno.ts");
});

Deno.test("quantile: nearest rank", () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4], 0.99), 4);
  assert.equal(quantile([5], 0), 5);
});
