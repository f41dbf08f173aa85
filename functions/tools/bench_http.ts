/**
 * Load test of a running server: `--concurrency` clients posting the image back to back for
 * `--seconds`; prints throughput, status counts and latency quantiles as JSON.
 *
 *   deno task start &   # or start:workers
 *   deno run -A functions/tools/bench_http.ts --url http://127.0.0.1:8000 --concurrency 8 --seconds 20
 *
 * @module
 */
import { toolArgs } from "../lib/cli/args.ts";

const args = toolArgs({
  name: "bench_http.ts",
  usage: `Usage: deno run -A functions/tools/bench_http.ts [options]
  --url URL         the running service (http://127.0.0.1:8000)
  --route PATH      the route (/v1/predict)
  --image FILE      the image posted (tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp)
  --concurrency C   clients posting back to back (8)
  --seconds S       how long (15)
Prints JSON: throughput, status counts, latency quantiles.`,
  example: "deno run -A functions/tools/bench_http.ts --url http://127.0.0.1:8000 --concurrency 8 --seconds 20",
  options: {
    url: { type: "string", default: "http://127.0.0.1:8000" },
    route: { type: "string", default: "/v1/predict" },
    image: { type: "string", default: "tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp" },
    concurrency: { type: "string", default: "8" },
    seconds: { type: "string", default: "15" },
  },
});

const body = await Deno.readFile(args.image);
const end = performance.now() + Number(args.seconds) * 1000;
const times: number[] = [];
const statuses: Record<string, number> = {};
async function client() {
  while (performance.now() < end) {
    const t = performance.now();
    try {
      const r = await fetch(args.url + args.route, {
        method: "POST",
        body,
        headers: { "content-type": "application/octet-stream" },
      });
      await r.arrayBuffer();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    } catch {
      statuses.network_error = (statuses.network_error ?? 0) + 1;
    }
    times.push(performance.now() - t);
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(args.concurrency) }, client));
const elapsed = (performance.now() - t0) / 1000;
times.sort((a, b) => a - b);
const r2 = (v: number) => Math.round(v * 100) / 100;
console.log(JSON.stringify(
  {
    url: args.url + args.route,
    concurrency: Number(args.concurrency),
    seconds: r2(elapsed),
    requests: times.length,
    requestsPerSecond: r2(times.length / elapsed),
    statuses,
    p50Ms: r2(quantile(times, 0.5)),
    p95Ms: r2(quantile(times, 0.95)),
    p99Ms: r2(quantile(times, 0.99)),
  },
  null,
  2,
));

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
