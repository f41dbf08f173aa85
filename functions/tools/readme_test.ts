/**
 * README.md against the code it describes: the generated blocks are what the committed model
 * answers now, the error table lists every error code, every task it names exists, every curl
 * that sends a body says its Content-Type, and the files its examples post exist.
 */
import assert from "node:assert/strict";
import { DEFAULT_MODEL } from "../../model/core/mod.ts";
import { maskRunFields, readmeBlocks, replaceBlocks } from "./readme.ts";

const ROOT = new URL("../../", import.meta.url);
const README = Deno.readTextFileSync(new URL("README.md", ROOT));

Deno.test("README's generated blocks are what the committed model answers (deno task readme)", async () => {
  const fresh = replaceBlocks(README, await readmeBlocks());
  assert.equal(maskRunFields(README), maskRunFields(fresh), "README.md is stale: run `deno task readme`");
});

Deno.test("README's error table lists every ErrorCode, with the status the code is answered with", () => {
  const source = Deno.readTextFileSync(new URL("functions/lib/http/errors.ts", ROOT));
  const union = /export type ErrorCode =([^;]+);/.exec(source)![1];
  const codes = [...union.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 25 && codes.includes("internal_error"), `parsed ${codes.length} codes`);
  const table = new Map<string, string>();
  for (const m of README.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)) {
    for (const c of m[2].matchAll(/`([a-z0-9_]+)`/g)) table.set(c[1], m[1]);
  }
  assert.deepEqual(codes.filter((c) => !table.has(c)), [], "codes missing from README's error table");
  const status: Record<string, string> = {
    not_found: "404",
    method_not_allowed: "405",
    internal_error: "500",
    method_not_implemented: "501",
    unsupported_media_type: "415",
    invalid_json: "400",
    invalid_base64: "400",
    invalid_body: "400",
  };
  for (const [code, s] of Object.entries(status)) assert.equal(table.get(code), s, code);
});

Deno.test("README names only tasks that exist, the default model, and sends bodies with a Content-Type", () => {
  const tasks = JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT))).tasks as Record<string, unknown>;
  const named = [...README.matchAll(/deno task ([a-z][a-z:]*)/g)].map((m) => m[1]);
  assert.ok(named.length > 10);
  assert.deepEqual([...new Set(named.filter((t) => !(t in tasks)))], [], "tasks README names that deno.json lacks");
  assert.ok(!/npx tsx|tsx scripts\//.test(README), "README runs scripts through their tasks");
  assert.match(README, new RegExp(`\\| \`MODEL\` \\| \`${DEFAULT_MODEL.replace(/\./g, "\\.")}\` \\|`));
  // a curl command with its continuation lines
  const curls = README.split("\n").reduce<string[]>((out, line, i, lines) => {
    if (!/^curl /.test(line)) return out;
    let cmd = line;
    for (let j = i; lines[j].endsWith("\\"); j++) cmd += ` ${lines[j + 1]}`;
    return [...out, cmd];
  }, []);
  assert.ok(curls.length >= 5, `found ${curls.length} curl commands`);
  for (const cmd of curls) {
    if (/--data-binary|\s-d\s/.test(cmd)) assert.match(cmd, /Content-Type: /, cmd);
    for (const m of cmd.matchAll(/@([\w./-]+)/g)) {
      const file = m[1].includes("/") ? m[1] : `tests/fixtures/images/${m[1]}`;
      assert.ok(Deno.statSync(new URL(file, ROOT)).isFile, `${cmd} posts ${file}`);
    }
  }
});
