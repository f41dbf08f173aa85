/**
 * Sequential HTTP latency of a running server (p50/p95/p99), optionally starting it first to
 * measure cold start (spawn → /readyz 200) and resident memory.
 *
 *   deno run -A functions/tools/latency_http.ts --url http://127.0.0.1:8000 [--n 200] [--route /v1/predict]
 *   deno run -A functions/tools/latency_http.ts --spawn deno|workers [--model tests/fixtures/models/tiny.int8.onnx]
 *     [--v8-flags=--single-threaded-gc]   (deno only: added to the start task's own flags)
 *
 * `--spawn deno` runs the `start` task's command line from deno.json (same flags as production).
 *
 * Image: --image (default the 450×450 C-NMC BMP fixture). Prints one JSON object.
 *
 * @module
 */
import { toolArgs, UsageError } from "../lib/cli/args.ts";

/**
 * The q-quantile (0–1) of sorted values, nearest-rank.
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

/**
 * Resident set size (bytes) of `pid` plus all its descendants, from /proc (Linux).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { total, byName } = treeRss(Deno.pid); // this process and its children
 * assert.ok(total > 0);
 * assert.equal(Object.values(byName).reduce((a, b) => a + b, 0), total);
 * ```
 */
export function treeRss(pid: number): { total: number; byName: Record<string, number> } {
  const children = new Map<number, number[]>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e.name)]);
    } catch { /* gone */ }
  }
  const byName: Record<string, number> = {};
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = Deno.readTextFileSync(`/proc/${p}/status`);
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? "?";
      byName[name] = (byName[name] ?? 0) + rss;
      total += rss;
    } catch { /* gone */ }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return { total, byName };
}

/**
 * The `deno` arguments of the `start` task in deno.json (e.g. `["run", "-A", "--unstable-kv",
 * "--v8-flags=--max-semi-space-size=1,--expose-gc", "functions/deno.ts"]`), so that measurements spawn the
 * service exactly as it is started; `extraV8Flags` adds one more `--v8-flags=` before the entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const args = startTaskArgs(); // spawn with `new Deno.Command(Deno.execPath(), { args })`
 * assert.equal(args[0], "run");
 * assert.equal(args.at(-1), "functions/deno.ts");
 * assert.equal(startTaskArgs("--single-threaded-gc").at(-2), "--v8-flags=--single-threaded-gc");
 * ```
 */
export function startTaskArgs(extraV8Flags?: string, configPath = "deno.json"): string[] {
  // a task is a command line, or `{ description, command }`
  const start: string | { command: string } = JSON.parse(Deno.readTextFileSync(configPath)).tasks.start;
  const task = typeof start === "string" ? start : start.command;
  const words = task.trim().split(/\s+/).slice(1); // drop the deno binary
  const entry = words.pop()!;
  return [...words, ...(extraV8Flags ? [`--v8-flags=${extraV8Flags}`] : []), entry];
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${url}/readyz`);
      await r.body?.cancel();
      if (r.status === 200) return;
    } catch { /* not up */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs} ms`);
}

if (import.meta.main) {
  const args = toolArgs({
    name: "latency_http.ts",
    usage: `Usage: deno task latency:http (--url URL | --spawn deno|workers) [options]
  --url URL         a running service (default http://127.0.0.1:<port> when nothing is spawned)
  --spawn R         start the service first: deno (the start task's command line) or workers (wrangler dev)
  --model FILE      the model a spawned service loads (model/all-v6.1.int8.onnx)
  --port N          the port a spawned service listens on (8790)
  --v8-flags=F      deno only: added to the start task's own V8 flags
  --route PATH      the route (/v1/predict)
  --image FILE      the image (tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp)
  --n N             timed sequential requests (200), after --warmup N (10)
Prints one JSON object: p50/p95/p99, first request, cold start and RSS when spawned.`,
    example: "deno task latency:http --spawn deno --n 500",
    options: {
      url: { type: "string" },
      n: { type: "string", default: "200" },
      warmup: { type: "string", default: "10" },
      route: { type: "string", default: "/v1/predict" },
      image: { type: "string", default: "tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp" },
      spawn: { type: "string" },
      model: { type: "string", default: "model/all-v6.1.int8.onnx" },
      port: { type: "string", default: "8790" },
      "v8-flags": { type: "string" },
    },
  }, (v) => {
    if (v.spawn !== undefined && v.spawn !== "deno" && v.spawn !== "workers") {
      throw new UsageError(`--spawn must be deno or workers, got "${v.spawn}"`);
    }
    return v;
  });
  let url = args.url ?? `http://127.0.0.1:${args.port}`;
  let child: Deno.ChildProcess | undefined;
  let stop: (() => Promise<void>) | undefined;
  const result: Record<string, unknown> = { route: args.route, image: args.image };
  if (args.spawn === "deno") {
    const t0 = performance.now();
    child = new Deno.Command(Deno.execPath(), {
      args: startTaskArgs(args["v8-flags"]),
      env: { PORT: args.port, HOST: "127.0.0.1", MODEL: args.model },
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    await waitReady(url, 60_000);
    result.coldStartMs = Math.round(performance.now() - t0);
    stop = async () => {
      child!.kill("SIGTERM");
      await child!.status;
    };
  } else if (args.spawn === "workers") {
    const { startWorkersDev } = await import("../lib/workers/wrangler.ts");
    const t0 = performance.now();
    const dev = await startWorkersDev({ modelPath: args.model, port: Number(args.port), timeoutMs: 120_000 });
    result.coldStartMs = Math.round(performance.now() - t0);
    url = dev.url;
    child = dev.process;
    stop = dev.stop;
  }
  result.runtime = args.spawn ?? "external";
  const body = await Deno.readFile(args.image);
  const type = args.image.endsWith(".bmp")
    ? "image/bmp"
    : args.image.endsWith(".png")
    ? "image/png"
    : args.image.match(/\.tiff?$/)
    ? "image/tiff"
    : "image/jpeg";
  const once = async () => {
    const t = performance.now();
    const r = await fetch(url + args.route, { method: "POST", body, headers: { "content-type": type } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${args.route} answered ${r.status}`);
    return performance.now() - t;
  };
  const first = await once();
  for (let i = 0; i < Number(args.warmup); i++) await once();
  const times: number[] = [];
  for (let i = 0; i < Number(args.n); i++) times.push(await once());
  times.sort((a, b) => a - b);
  const r2 = (v: number) => Math.round(v * 100) / 100;
  Object.assign(result, {
    n: times.length,
    firstRequestMs: r2(first),
    p50Ms: r2(quantile(times, 0.5)),
    p95Ms: r2(quantile(times, 0.95)),
    p99Ms: r2(quantile(times, 0.99)),
    meanMs: r2(times.reduce((a, b) => a + b) / times.length),
  });
  if (child) {
    const rss = treeRss(child.pid);
    result.rssMiB = Math.round(rss.total / 2 ** 20);
    result.rssByProcessMiB = Object.fromEntries(
      Object.entries(rss.byName).map(([k, v]) => [k, Math.round(v / 2 ** 20)]),
    );
  }
  console.log(JSON.stringify(result, null, 2));
  await stop?.();
}
