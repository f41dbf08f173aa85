import assert from "node:assert/strict";
import { serve } from "./deno.ts";
import { loadConfig } from "./lib/config.ts";

const ROOT = new URL("../", import.meta.url);

Deno.test("serve: logs each warning about its model once, when ready (the tiny fixture has no domain check)", async () => {
  const lines: Record<string, unknown>[] = [];
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    MODEL: "tests/fixtures/models/tiny.int8.onnx",
    CELL_MODEL: "tests/fixtures/models/tiny.int8.onnx", // present: no cells_unavailable warning
    FEEDBACK_DB: ":memory:",
    DECODE_WORKERS: "0",
  });
  const server = serve(config, (r) => lines.push(r), { warmUp: false });
  try {
    await server.ready;
    const warnings = lines.filter((l) => l.event === "model_warning");
    assert.deepEqual(warnings.map((l) => [l.level, l.code]), [["warn", "no_domain_check"]]);
    assert.match(String(warnings[0].message), /no input-domain check/);
    const ready = lines.findIndex((l) => l.event === "model_ready");
    assert.ok(ready >= 0 && ready < lines.indexOf(warnings[0]), "after the model_ready line");
    const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    assert.deepEqual((await res.json()).warnings.map((w: { code: string }) => w.code), ["no_domain_check"]);
    assert.equal(lines.filter((l) => l.event === "model_warning").length, 1, "once, not per request");
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve: once ready it reads nothing from node_modules (npm ci under a running service), with and without decode workers", async (t) => {
  // read access per top-level entry, so that node_modules can be revoked (not under a wider grant)
  const entries = [...Deno.readDirSync(ROOT)].filter((e) => e.name !== ".git").map((e) =>
    new URL(e.name, ROOT).pathname
  );
  for (const workers of ["0", "1"]) {
    await t.step(`DECODE_WORKERS=${workers}`, async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          `--allow-read=${entries.join(",")}`,
          "--allow-net=127.0.0.1",
          "--allow-env",
          "--allow-ffi",
          "--allow-sys",
          "--unstable-kv",
          new URL("lib/decode/testing/serve_offline.ts", import.meta.url).pathname,
          workers,
        ],
        cwd: ROOT.pathname,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, `${stdout}\n${new TextDecoder().decode(out.stderr)}`);
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
      assert.notEqual(result.nodeModules, "granted", "node_modules was taken away");
      const answers = Object.entries(result.answers as Record<string, number>);
      assert.equal(answers.length, 8); // 4 formats (2 JPEG) × predict and explain
      assert.deepEqual(answers.filter(([, status]) => status !== 200), [], "every image answered");
    });
  }
});
