/**
 * In-memory Prometheus metrics for one app instance (no global registry: `createApp` makes one).
 * Every label set is bounded: routes are the app's route patterns, methods the standard ones or
 * `OTHER`, statuses three digits; so no request can add series without bound.
 *
 * @module
 */
import { methodLabel } from "../http/methods.ts";

/** Upper bounds (seconds) of the request-latency histogram buckets. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Model facts shown as `model_info`. */
export interface ModelInfo {
  id: string;
  version: string;
  sha256: string;
}

/** Process memory in bytes, as Deno's `Deno.memoryUsage()` reports it. */
export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
}

/** Where {@link createMetrics} reads memory: Deno's `memoryUsage`; none on Workers (no such API). */
export function runtimeMemoryUsage(): MemoryUsage | undefined {
  const deno = (globalThis as { Deno?: { memoryUsage?: () => MemoryUsage } }).Deno;
  return deno?.memoryUsage?.();
}

/** Counters and histograms the app updates, rendered as Prometheus text. */
export interface Metrics {
  /**
   * One finished request. `route` is the matched route pattern (bounded label set); a method that
   * is not a standard one is counted as `OTHER`.
   */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** One answered image, by decision (`all`, `normal`, `review`) or `error`. */
  countPrediction(decision: string): void;
  /** Prometheus text exposition format 0.0.4. */
  render(model: ModelInfo | undefined, ready: boolean): string;
}

/**
 * A fresh metrics set. `memory` is read at each render (default {@link runtimeMemoryUsage}); where
 * it gives nothing, the memory gauges are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = createMetrics();
 * m.observeRequest("/v1/predict", "POST", 200, 0.012);
 * m.countPrediction("all");
 * const text = m.render({ id: "all-screen", version: "4.0.0", sha256: "ab" }, true);
 * assert.ok(text.includes('http_requests_total{route="/v1/predict",method="POST",status="200"} 1'));
 * assert.ok(text.includes('http_request_duration_seconds_bucket{route="/v1/predict",le="0.025"} 1'));
 * assert.ok(text.includes('predictions_total{decision="all"} 1'));
 * assert.ok(text.includes("model_ready 1"));
 * ```
 */
export function createMetrics(memory: () => MemoryUsage | undefined = runtimeMemoryUsage): Metrics {
  const requests = new Map<string, number>();
  const hist = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const predictions = new Map<string, number>();
  const started = Date.now();

  return {
    observeRequest(route, method, status, seconds) {
      const key = labels({ route, method: methodLabel(method), status: String(status) });
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const hKey = labels({ route });
      let h = hist.get(hKey);
      if (!h) hist.set(hKey, h = { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 });
      LATENCY_BUCKETS.forEach((le, i) => {
        if (seconds <= le) h!.buckets[i]++;
      });
      h.sum += seconds;
      h.count++;
    },
    countPrediction(decision) {
      predictions.set(decision, (predictions.get(decision) ?? 0) + 1);
    },
    render(model, ready) {
      const lines: string[] = [];
      lines.push("# HELP http_requests_total Requests answered, by route pattern, method and status.");
      lines.push("# TYPE http_requests_total counter");
      for (const [k, v] of requests) lines.push(`http_requests_total{${k}} ${v}`);
      lines.push("# HELP http_request_duration_seconds Time from request to answer, by route pattern.");
      lines.push("# TYPE http_request_duration_seconds histogram");
      for (const [k, h] of hist) {
        LATENCY_BUCKETS.forEach((le, i) =>
          lines.push(`http_request_duration_seconds_bucket{${k},le="${le}"} ${h.buckets[i]}`)
        );
        lines.push(`http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
        lines.push(`http_request_duration_seconds_sum{${k}} ${h.sum}`);
        lines.push(`http_request_duration_seconds_count{${k}} ${h.count}`);
      }
      lines.push("# HELP predictions_total Images answered, by decision (error: refused image in a batch).");
      lines.push("# TYPE predictions_total counter");
      for (const [k, v] of predictions) lines.push(`predictions_total{${labels({ decision: k })}} ${v}`);
      lines.push("# HELP model_ready 1 once the model is loaded.");
      lines.push("# TYPE model_ready gauge");
      lines.push(`model_ready ${ready ? 1 : 0}`);
      if (model) {
        lines.push("# HELP model_info The loaded model.");
        lines.push("# TYPE model_info gauge");
        lines.push(`model_info{${labels({ id: model.id, version: model.version, sha256: model.sha256 })}} 1`);
      }
      lines.push("# HELP process_uptime_seconds Seconds since the app was created.");
      lines.push("# TYPE process_uptime_seconds gauge");
      lines.push(`process_uptime_seconds ${(Date.now() - started) / 1000}`);
      const mem = memory();
      if (mem) {
        for (
          const [name, help, value] of [
            ["process_resident_memory_bytes", "Resident memory of the process.", mem.rss],
            ["js_heap_size_total_bytes", "JavaScript heap reserved.", mem.heapTotal],
            ["js_heap_size_used_bytes", "JavaScript heap in use.", mem.heapUsed],
            ["js_external_memory_bytes", "Memory of buffers outside the JavaScript heap.", mem.external],
          ] as const
        ) {
          lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
        }
      }
      return lines.join("\n") + "\n";
    },
  };
}

function labels(obj: Record<string, string>): string {
  return Object.entries(obj)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
}
