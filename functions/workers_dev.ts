/**
 * `deno task start:workers`: serves the Workers build (workerd via `wrangler dev --local`) on
 * HOST:PORT (default 127.0.0.1:8000) with the model from MODEL; Ctrl-C stops it. Configured by the
 * service's environment variables (no options); a busy PORT or a bad variable stops it at once
 * with a message naming the variable (exit 1), and it exits with wrangler's status.
 *
 * @module
 */
import { toolArgs } from "./lib/cli/args.ts";
import { ConfigError, loadConfig } from "./lib/config.ts";

const USAGE = `Usage: deno task start:workers   (configured by environment variables; no options)
  HOST    listen address (127.0.0.1)
  PORT    listen port (8000; must be free)
  MODEL   the ONNX model, its card beside it (the committed default model)
  CELL_MODEL  the /v1/cells classifier, its card beside it (model/cells-v1.int8.onnx when it exists)
The service's other variables (README: Configuration) become the Worker's vars.`;

/**
 * Why the Workers dev server cannot listen on `host:port` (another process holds it), or
 * `undefined` when it can; the message names the `PORT` variable the task reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const { port } = held.addr as Deno.NetAddr;
 * assert.match(portProblem("127.0.0.1", port)!, new RegExp(`^PORT=${port}: 127\\.0\\.0\\.1:${port} is in use`));
 * held.close();
 * assert.equal(portProblem("127.0.0.1", port), undefined);
 * ```
 */
export function portProblem(host: string, port: number): string | undefined {
  if (port === 0) return undefined;
  try {
    Deno.listen({ hostname: host, port }).close();
    return undefined;
  } catch (err) {
    if (!(err instanceof Deno.errors.AddrInUse)) throw err;
    return `PORT=${port}: ${host}:${port} is in use (is \`deno task start\` running?); stop what listens there ` +
      `or set PORT to a free port, e.g. PORT=${port === 65535 ? 8787 : port + 1} deno task start:workers`;
  }
}

if (import.meta.main) {
  toolArgs({ name: "workers_dev.ts", usage: USAGE, example: "PORT=8787 deno task start:workers", options: {} });
  const env = Deno.env.toObject();
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`start:workers: ${err.message}`);
    Deno.exit(1);
  }
  const host = env.HOST ?? "127.0.0.1";
  const busy = portProblem(host, config.port);
  if (busy) {
    console.error(`start:workers: ${busy}`);
    Deno.exit(1);
  }
  const { startWorkersDev } = await import("./lib/workers/wrangler.ts");
  const dev = await startWorkersDev({
    modelPath: config.modelPath,
    // CELL_MODEL when set (it must exist); else the default cell model when it is there
    cellModelPath: env.CELL_MODEL?.trim() ? config.cellModelPath : undefined,
    host,
    port: config.port,
    vars: env,
    inherit: true,
    timeoutMs: 120_000,
  });
  console.log(
    JSON.stringify({
      ts: new Date().toISOString(),
      level: "info",
      event: "listening",
      runtime: "workerd",
      url: dev.url,
    }),
  );
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => dev.stop().then(() => Deno.exit(0)));
  }
  const status = await dev.process.status;
  // wrangler ending on its own (not by Ctrl-C) is a failure unless it says otherwise
  Deno.exit(status.code);
}
