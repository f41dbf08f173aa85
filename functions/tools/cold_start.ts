/**
 * Cold start of the Deno service, repeated: spawn the `start` task's command (deno.json) → first answer
 * on /healthz (listening) → /readyz 200 (model loaded), resident memory at ready and after a few
 * predictions, then SIGTERM. Prints per-run rows and medians as JSON.
 *
 *   deno run -A functions/tools/cold_start.ts [--runs 7] [--model .cache/perf/standin.int8.onnx]
 *     [--requests 50] [--v8-flags=--single-threaded-gc] [--env WARMUP=0]
 *
 * The machine's load average is printed with the result: cold start is CPU-bound, so on a shared
 * machine compare medians taken at the same load.
 *
 * @module
 */
import { toolArgs } from "../lib/cli/args.ts";
import { quantile, startTaskArgs, treeRss } from "./latency_http.ts";

/** One spawn's timings (ms from spawn) and memory (MiB). */
export interface ColdStartRun {
  listeningMs: number;
  readyMs: number;
  firstPredictMs: number;
  /** CPU time (user + system, all threads) the server had used when it was ready. */
  cpuReadyMs: number;
  rssReadyMiB: number;
  rssAfterMiB: number;
}

/**
 * CPU time (user + system, ms) that process `pid` has used so far, from /proc (Linux; 10 ms ticks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const used = cpuMs(Deno.pid); // e.g. 120: this process's CPU time so far
 * assert.ok(used >= 0 && used % 10 === 0);
 * ```
 */
export function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Median of each field over the runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(medians([{ readyMs: 3 }, { readyMs: 1 }, { readyMs: 2 }]), { readyMs: 2 });
 * ```
 */
export function medians<T extends Record<string, number>>(rows: T[]): T {
  const out: Record<string, number> = {};
  for (const k of Object.keys(rows[0] ?? {})) {
    out[k] = quantile(rows.map((r) => r[k]).sort((a, b) => a - b), 0.5);
  }
  return out as T;
}

async function poll(url: string, ok: (status: number) => boolean, t0: number, timeoutMs: number): Promise<number> {
  while (performance.now() - t0 < timeoutMs) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (ok(r.status)) return performance.now() - t0;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url} not answering within ${timeoutMs} ms`);
}

async function once(opts: {
  model: string;
  port: number;
  requests: number;
  v8Flags?: string;
  env: Record<string, string>;
  image: Uint8Array<ArrayBuffer>;
}): Promise<ColdStartRun> {
  const base = `http://127.0.0.1:${opts.port}`;
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: startTaskArgs(opts.v8Flags),
    env: { ...opts.env, PORT: String(opts.port), HOST: "127.0.0.1", MODEL: opts.model },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    const listeningMs = await poll(`${base}/healthz`, (s) => s === 200, t0, 60_000);
    const readyMs = await poll(`${base}/readyz`, (s) => s === 200, t0, 60_000);
    const cpuReadyMs = cpuMs(child.pid);
    const rssReadyMiB = treeRss(child.pid).total / 2 ** 20;
    const predict = async () => {
      const t = performance.now();
      const r = await fetch(`${base}/v1/predict`, {
        method: "POST",
        body: opts.image,
        headers: { "content-type": "image/bmp" },
      });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`/v1/predict answered ${r.status}`);
      return performance.now() - t;
    };
    const firstPredictMs = await predict();
    for (let i = 1; i < opts.requests; i++) await predict();
    const rssAfterMiB = treeRss(child.pid).total / 2 ** 20;
    return { listeningMs, readyMs, firstPredictMs, cpuReadyMs, rssReadyMiB, rssAfterMiB };
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

if (import.meta.main) {
  const a = toolArgs({
    name: "cold_start.ts",
    usage: `Usage: deno run -A functions/tools/cold_start.ts [options]
  --runs N          spawns of the service (7)
  --model FILE      the model it loads (model/all-v6.1.int8.onnx)
  --image FILE      the image of the predictions (tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp)
  --requests N      predictions after ready, for the memory after them (50)
  --port N          the port it listens on (8791)
  --v8-flags=F      added to the start task's own V8 flags
  --env K=V         (repeatable) an extra service variable
Prints JSON: per-run rows and medians (ms from spawn, MiB), with the load average.`,
    example: "deno run -A functions/tools/cold_start.ts --runs 7 --env WARMUP=0",
    options: {
      runs: { type: "string", default: "7" },
      model: { type: "string", default: "model/all-v6.1.int8.onnx" },
      image: { type: "string", default: "tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp" },
      requests: { type: "string", default: "50" },
      port: { type: "string", default: "8791" },
      "v8-flags": { type: "string" },
      env: { type: "string", multiple: true, default: [] },
    },
  });
  const env = Object.fromEntries(a.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  const image = await Deno.readFile(a.image);
  const rows: ColdStartRun[] = [];
  for (let i = 0; i < Number(a.runs); i++) {
    rows.push(
      await once({
        model: a.model,
        port: Number(a.port),
        requests: Number(a.requests),
        v8Flags: a["v8-flags"],
        env,
        image,
      }),
    );
  }
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const round = (r: ColdStartRun) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, r1(v)]));
  console.log(JSON.stringify(
    {
      model: a.model,
      v8Flags: a["v8-flags"] ?? null,
      env,
      loadAverage: Deno.loadavg(),
      median: round(medians(rows as unknown as Record<string, number>[]) as unknown as ColdStartRun),
      runs: rows.map(round),
    },
    null,
    2,
  ));
}
