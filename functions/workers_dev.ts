/**
 * `deno task start:workers`: serves the Workers build (workerd via `wrangler dev --local`) on
 * HOST:PORT (default 127.0.0.1:8000) with the model from MODEL; Ctrl-C stops it.
 *
 * @module
 */
import { loadConfig } from "./lib/config.ts";
import { startWorkersDev } from "./lib/workers/wrangler.ts";

if (import.meta.main) {
  const env = Deno.env.toObject();
  const config = loadConfig(env);
  const dev = await startWorkersDev({
    modelPath: config.modelPath,
    host: env.HOST ?? "127.0.0.1",
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
  await dev.process.status;
}
