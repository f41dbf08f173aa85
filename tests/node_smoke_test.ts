import assert from "node:assert/strict";
import { smoke, SMOKE_FILES } from "./helpers/node_smoke.ts";

Deno.test("Node (tsx) decodes and preprocesses to bit-identical pixels and tensors as Deno", async () => {
  const tsx = new URL("../node_modules/.bin/tsx", import.meta.url).pathname;
  const script = new URL("./helpers/node_smoke.ts", import.meta.url).pathname;
  const out = await new Deno.Command(tsx, { args: [script], stdout: "piped", stderr: "piped" }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const node = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
  const deno = await Promise.all(SMOKE_FILES.map(smoke));
  assert.equal(node.length, SMOKE_FILES.length);
  assert.deepEqual(node, deno);
});
