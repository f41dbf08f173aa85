import assert from "node:assert/strict";
import { createMetrics } from "./metrics.ts";

Deno.test("metrics: counters, histogram buckets and model info in Prometheus text", () => {
  const m = createMetrics();
  m.observeRequest("/v1/predict", "POST", 200, 0.02);
  m.observeRequest("/v1/predict", "POST", 200, 0.3);
  m.observeRequest("/v1/predict", "POST", 415, 0.001);
  m.countPrediction("all");
  m.countPrediction("all");
  m.countPrediction("review");
  const text = m.render({ id: "all", version: "1.0", sha256: 'a"b' }, true);
  assert.match(text, /^http_requests_total\{route="\/v1\/predict",method="POST",status="200"\} 2$/m);
  assert.match(text, /^http_requests_total\{route="\/v1\/predict",method="POST",status="415"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{route="\/v1\/predict",le="0.005"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{route="\/v1\/predict",le="0.025"\} 2$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{route="\/v1\/predict",le="\+Inf"\} 3$/m);
  assert.match(text, /^http_request_duration_seconds_count\{route="\/v1\/predict"\} 3$/m);
  assert.match(text, /^predictions_total\{decision="all"\} 2$/m);
  assert.match(text, /^predictions_total\{decision="review"\} 1$/m);
  assert.match(text, /^model_ready 1$/m);
  assert.match(text, /^model_info\{id="all",version="1.0",sha256="a\\"b"\} 1$/m);
  assert.ok(text.endsWith("\n"));
});

Deno.test("metrics: not ready and no model", () => {
  const text = createMetrics().render(undefined, false);
  assert.match(text, /^model_ready 0$/m);
  assert.doesNotMatch(text, /model_info\{/);
});

Deno.test("metrics: memory gauges from the runtime, left out where it has none (Workers)", () => {
  const fake = { rss: 150e6, heapTotal: 12e6, heapUsed: 9e6, external: 2e6 };
  const text = createMetrics(() => fake).render(undefined, true);
  assert.match(text, /^# TYPE process_resident_memory_bytes gauge$/m);
  assert.match(text, /^process_resident_memory_bytes 150000000$/m);
  assert.match(text, /^js_heap_size_total_bytes 12000000$/m);
  assert.match(text, /^js_heap_size_used_bytes 9000000$/m);
  assert.match(text, /^js_external_memory_bytes 2000000$/m);
  assert.doesNotMatch(createMetrics(() => undefined).render(undefined, true), /memory_bytes|heap_size/);
  // under Deno the default reads the real process
  const rss = Number(createMetrics().render(undefined, true).match(/^process_resident_memory_bytes (\d+)$/m)?.[1]);
  assert.ok(rss > 10e6, `rss ${rss}`);
});

Deno.test("metrics: made-up methods share one OTHER series, however many and however long", () => {
  const m = createMetrics(() => undefined);
  m.observeRequest("/healthz", "GET", 200, 0.001);
  const before = m.render(undefined, true);
  for (let i = 0; i < 500; i++) m.observeRequest("/healthz", `MADE-UP-${i}-${"X".repeat(i * 10)}`, 501, 0.001);
  const text = m.render(undefined, true);
  assert.match(text, /^http_requests_total\{route="\/healthz",method="OTHER",status="501"\} 500$/m);
  assert.doesNotMatch(text, /MADE-UP/);
  // one new line (the OTHER series) and a few digits
  assert.ok(text.length - before.length < 200, `grew ${text.length - before.length} bytes`);
});
