import assert from "node:assert/strict";

const ENTRY = new URL("./workers_dev.ts", import.meta.url);

async function startWorkers(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", ENTRY.pathname],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("start:workers on a busy port fails (exit 1) naming PORT, before starting wrangler", async () => {
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = held.addr as Deno.NetAddr;
  try {
    const { code, stderr } = await startWorkers({ HOST: "127.0.0.1", PORT: String(port) });
    assert.equal(code, 1);
    assert.match(stderr.trim(), new RegExp(`^start:workers: PORT=${port}: 127\\.0\\.0\\.1:${port} is in use`));
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  } finally {
    held.close();
  }
});

Deno.test("start:workers with a bad PORT fails (exit 1) naming it", async () => {
  const { code, stderr } = await startWorkers({ PORT: "eighty" });
  assert.equal(code, 1);
  assert.match(stderr, /^start:workers: .*PORT/);
  assert.doesNotMatch(stderr, /\n\s+at /); // no stack trace
});
