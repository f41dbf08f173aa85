/**
 * Runs one of the pipeline's scripts as a user does (`node --import tsx scripts/<name>.ts …`, from
 * the repository root), bounded in time, for the scripts' command-line tests.
 *
 * @module
 */
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const TSX = join(ROOT, "node_modules/tsx/dist/loader.mjs");

/** What a script run printed and how it ended. */
export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `scripts/<script>` under Node with `args`; a run past `timeoutMs` (2 minutes) is killed and
 * rejects, naming the script.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bad = await runScript("compare_members.ts", ["--no-such-flag"]);
 * assert.equal(bad.code, 2);
 * assert.match(bad.stderr, /--no-such-flag/);
 * ```
 */
export async function runScript(script: string, args: readonly string[], timeoutMs = 120_000): Promise<ScriptRun> {
  const out = await new Deno.Command("node", {
    args: ["--import", TSX, join(ROOT, "scripts", script), ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal: AbortSignal.timeout(timeoutMs),
  }).output().catch((err) => {
    throw new Error(`scripts/${script} did not finish within ${timeoutMs / 1000} s: ${(err as Error).message}`);
  });
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
