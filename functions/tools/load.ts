/**
 * Load test over loopback HTTP: starts the Deno service (or targets one on 127.0.0.1), runs
 * `--concurrency` clients that post real fixture images of every format to `/v1/predict` until
 * `--requests` predictions are done, and reports throughput, latency quantiles, server RSS and
 * errors. Any error (non-200 or network failure) fails the run (exit 1).
 *
 *   deno task load                                   # tiny test model, 16 clients, 1000 requests
 *   deno task load --model model/all-v5.int8.onnx --requests 2000
 *   deno task load --url http://127.0.0.1:8000 --pid 1234   # a running server (RSS needs its pid)
 *
 * Options: `--requests N` (1000), `--concurrency C` (16), `--route` (/v1/predict), `--model`,
 * `--max-seconds S` (300: stops early, reported), `--env K=V,...` extra service variables.
 * The spawned server keeps its audit trail in a temporary Deno KV file, removed afterwards.
 *
 * @module
 */
import { toolArgs } from "../lib/cli/args.ts";

const USAGE = `Usage: deno task load [options]
  --model FILE      the model the spawned service loads (tests/fixtures/models/tiny.int8.onnx)
  --requests N      predictions to make (1000)
  --concurrency C   clients posting back to back (16)
  --route PATH      the route (/v1/predict)
  --max-seconds S   stop early after S seconds, reported (300)
  --env K=V,...     extra service variables for the spawned service
  --url URL         a running service on a loopback address instead of spawning one
  --pid PID         that service's process id (for its RSS)
Prints JSON: throughput, latency quantiles, server RSS, errors; exits 1 on any error.`;

/** Real fixture images of every format the service decodes, with their content types. */
const IMAGES: [string, string][] = [
  ["cnmc_all_UID_35_6_2_all.bmp", "image/bmp"],
  ["variant_rgb24_bottomup.bmp", "image/bmp"],
  ["cnmc_all_UID_35_6_2_all.png", "image/png"],
  ["cnmc_hem_UID_H10_100_1_hem.png", "image/png"],
  ["variant_grey8.png", "image/png"],
  ["taleqani_Benign_WBC-Benign-001.jpg", "image/jpeg"],
  ["taleqani_Early_WBC-Malignant-Early-001.jpg", "image/jpeg"],
  ["full_progressive.jpg", "image/jpeg"],
  ["full_rgb_lzw.tif", "image/tiff"],
  ["variant_rgb_deflate.tif", "image/tiff"],
];

/**
 * Nearest-rank quantile of sorted values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
 * assert.equal(quantile([1, 2, 3, 4], 0.99), 4);
 * ```
 */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** VmRSS and VmHWM (peak) of a Linux process in bytes, or undefined when unreadable. */
function rssOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb("VmRSS"), peak: kb("VmHWM") };
  } catch {
    return undefined;
  }
}

async function startServer(model: string, extraEnv: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "load-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", "functions/deno.ts"],
    env: { PORT: "0", HOST: "127.0.0.1", MODEL: model, FEEDBACK_DB: `${dir}/feedback.kv`, ...extraEnv },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const events: Record<string, unknown>[] = [];
  let lines = 0;
  let wake: (() => void) | undefined;
  (async () => {
    let buf = "";
    for await (const s of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += s;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const p of parts) {
        lines++;
        if (p.includes('"event"')) events.push(JSON.parse(p));
      }
      wake?.();
    }
    wake?.();
  })();
  const waitFor = async (event: string) => {
    const deadline = Date.now() + 120_000;
    while (!events.some((e) => e.event === event)) {
      if (Date.now() > deadline) throw new Error(`server did not log "${event}" within 120 s`);
      await new Promise<void>((r) => (wake = r));
    }
    return events.find((e) => e.event === event)!;
  };
  const listening = await waitFor("listening");
  const ready = await waitFor("model_ready");
  return {
    url: `http://127.0.0.1:${listening.port}`,
    pid: child.pid,
    ready,
    logLines: () => lines,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      return status.code;
    },
  };
}

if (import.meta.main) {
  const args = toolArgs({
    name: "load.ts",
    usage: USAGE,
    example: "deno task load --model model/all-v6.1.int8.onnx --requests 2000",
    options: {
      url: { type: "string" },
      pid: { type: "string" },
      model: { type: "string", default: "tests/fixtures/models/tiny.int8.onnx" },
      requests: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "16" },
      route: { type: "string", default: "/v1/predict" },
      "max-seconds": { type: "string", default: "300" },
      env: { type: "string", default: "" },
    },
  });
  const total = Number(args.requests);
  const concurrency = Number(args.concurrency);
  const extraEnv = Object.fromEntries(
    args.env.split(",").filter((kv) => kv.includes("=")).map((kv) => kv.split("=", 2) as [string, string]),
  );
  if (args.url && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(args.url)) {
    throw new Error(`--url must be a loopback address like http://127.0.0.1:8000 (got ${args.url})`);
  }
  const images = await Promise.all(
    IMAGES.map(async ([name, type]) => ({ name, type, bytes: await Deno.readFile(`tests/fixtures/images/${name}`) })),
  );
  const server = args.url ? undefined : await startServer(args.model, extraEnv);
  const url = args.url ?? server!.url;
  const pid = server?.pid ?? (args.pid ? Number(args.pid) : undefined);
  const idle = pid ? rssOf(pid) : undefined;

  let peakRss = idle?.rss ?? 0;
  const sampler = setInterval(() => {
    const r = pid ? rssOf(pid) : undefined;
    if (r) peakRss = Math.max(peakRss, r.rss);
  }, 200);

  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const perFormat: Record<string, number> = {};
  let next = 0;
  const deadline = performance.now() + Number(args["max-seconds"]) * 1000;
  const client = async () => {
    while (next < total && performance.now() < deadline) {
      const img = images[next++ % images.length];
      const t = performance.now();
      try {
        const res = await fetch(url + args.route, {
          method: "POST",
          body: img.bytes,
          headers: { "content-type": img.type },
        });
        const body = await res.json().catch(() => undefined);
        if (res.status === 200 && typeof body?.label === "string") {
          latencies.push(performance.now() - t);
          const f = img.type.split("/")[1];
          perFormat[f] = (perFormat[f] ?? 0) + 1;
        } else {
          const k = `${res.status} ${body?.error?.code ?? ""}`.trim();
          errors[k] = (errors[k] ?? 0) + 1;
        }
      } catch (e) {
        const k = `network ${(e as Error).name}`;
        errors[k] = (errors[k] ?? 0) + 1;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const end = pid ? rssOf(pid) : undefined;
  const logLines = server?.logLines();
  const exitCode = server ? await server.stop() : undefined;

  latencies.sort((a, b) => a - b);
  const mb = (b: number | undefined) => (b === undefined || Number.isNaN(b) ? null : Math.round(b / 1048576));
  const r2 = (v: number) => Math.round(v * 10) / 10;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const report = {
    url: url + args.route,
    model: server ? (server.ready.model as Record<string, unknown>) : "external",
    coldStartMs: server?.ready.coldStartMs,
    concurrency,
    requested: total,
    ok: latencies.length,
    errors,
    seconds: r2(seconds),
    throughputPerSecond: r2(latencies.length / seconds),
    latencyMs: {
      p50: r2(quantile(latencies, 0.5)),
      p90: r2(quantile(latencies, 0.9)),
      p99: r2(quantile(latencies, 0.99)),
      max: r2(latencies[latencies.length - 1] ?? NaN),
    },
    serverRssMb: pid ? { idle: mb(idle?.rss), peak: mb(Math.max(peakRss, end?.peak ?? 0)), end: mb(end?.rss) } : null,
    perFormat,
    ...(server ? { accessLogLines: logLines, serverExitCode: exitCode } : {}),
  };
  console.log(JSON.stringify(report, null, 2));
  if (errorCount > 0 || latencies.length < Math.min(total, 1000)) {
    console.error(`load test FAILED: ${errorCount} errors, ${latencies.length} of ${total} predictions`);
    Deno.exit(1);
  }
}
