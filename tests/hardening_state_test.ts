/**
 * Nothing a client names grows the service's state: made-up HTTP methods (no key needed) and
 * made-up paths are answered at once and counted under a fixed set of labels, so `/metrics`
 * keeps its series whatever is sent, and no log field grows past its cap. Methods and paths are
 * generated in the test (random names up to 30 kB).
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";

const TOKEN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~";

/** A seeded generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random method name (an HTTP token) of 1 to `max` characters, never a standard one. */
function madeUpMethod(next: () => number, max: number): string {
  const len = 1 + Math.floor(next() ** 3 * max); // mostly short, some up to `max`
  let s = "";
  for (let i = 0; i < len; i++) s += TOKEN[Math.floor(next() * TOKEN.length)];
  return /^(GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH)$/.test(s) ? `${s}X` : s;
}

function setup(env: Record<string, string> = {}) {
  const lines: Record<string, unknown>[] = [];
  const app = createApp({ model: fakeRuntime(), config: loadConfig(env), log: (r) => lines.push(r) });
  return { app, lines };
}

/** The metrics text without the gauges that change by themselves (uptime, memory). */
async function metricsText(app: ReturnType<typeof createApp>): Promise<string> {
  const text = await (await app.request("/metrics")).text();
  return text.split("\n").filter((l) => !/^(process_|js_)/.test(l)).join("\n");
}

/** Series (name and labels) of a metrics text. */
function series(text: string): Set<string> {
  return new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.replace(/ [^ ]+$/, "")));
}

Deno.test("made-up methods: 2,000 random names add no metrics series and ~nothing to /metrics; each is a 501", async () => {
  const { app, lines } = setup({ API_KEYS: "k-secret" }); // no key is needed to be answered
  const next = rng(18);
  const paths = ["/v1/predict", "/healthz", "/metrics", "/nope", "/v1/feedback"];
  // one of each path first, so the labels every later request uses exist
  for (const path of paths) await app.request(path, { method: "FIRST-MADE-UP" });
  await app.request("/metrics");
  const before = await metricsText(app);
  let longest = 0;
  for (let i = 0; i < 2000; i++) {
    const method = madeUpMethod(next, i % 100 === 0 ? 30_000 : 300);
    longest = Math.max(longest, method.length);
    const res = await app.request(paths[i % paths.length], { method });
    assert.equal(res.status, 501, method.slice(0, 40));
    const body = await res.json();
    assert.equal(body.error.code, "method_not_implemented");
    assert.ok(JSON.stringify(body).length < 400, "the answer does not echo the method");
  }
  assert.ok(longest > 10_000, `some methods were long (${longest})`);
  const after = await metricsText(app);
  assert.deepEqual(series(after), series(before), "no new series");
  // only values moved (20 kB is the bound for 10,000 requests): the text without its values is
  // the same, and no value is longer than a float's digits. (A byte bound on the whole text is not
  // deterministic: latency sums and the buckets a slow machine reaches add digits with load.)
  const shape = (text: string) => text.split("\n").map((l) => l.startsWith("#") ? l : l.replace(/ [^ ]+$/, ""));
  assert.deepEqual(shape(after), shape(before), "only values changed");
  const values = after.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.slice(l.lastIndexOf(" ") + 1));
  assert.ok(
    values.every((v) => v.length <= 24),
    `a value longer than 24 characters: ${values.find((v) => v.length > 24)}`,
  );
  assert.match(after, /^http_requests_total\{route="\/v1\/predict",method="OTHER",status="501"\} 401$/m);
  assert.match(after, /^http_requests_total\{route="unmatched",method="OTHER",status="501"\} 401$/m);
  // every log line stays small (the method is cut at 256 characters and marked)
  const biggest = Math.max(...lines.map((l) => JSON.stringify(l).length));
  assert.ok(biggest < 1200, `largest log line ${biggest} bytes`);
  const long = lines.find((l) => typeof l.method === "string" && l.method.includes("…[+"));
  assert.ok(long, "a long method is logged cut, with a marker");
});

Deno.test("made-up paths: one `unmatched` label however many paths; known paths keep their pattern", async () => {
  const { app, lines } = setup();
  const next = rng(7);
  await app.request("/warm-up");
  await app.request("/metrics");
  const before = await metricsText(app);
  for (let i = 0; i < 500; i++) {
    const segment = Array.from({ length: 1 + Math.floor(next() * 2000) }, () => "abcxyz0189-_"[Math.floor(next() * 12)])
      .join("");
    const path = ["/", "/v1/", "/v1/predict/", "/healthz/"][i % 4] + segment;
    const res = await app.request(path, { method: i % 2 ? "GET" : "POST" });
    assert.equal(res.status, 404);
    assert.ok((await res.text()).length < 400, "the 404 message cuts the path");
  }
  const after = await metricsText(app);
  const added = [...series(after)].filter((s) => !series(before).has(s));
  assert.deepEqual(added, ['http_requests_total{route="unmatched",method="POST",status="404"}']);
  assert.ok(lines.every((l) => JSON.stringify(l).length < 1200));
  // a standard method a route does not take is still 405 with Allow, labelled by the route
  const res = await app.request("/v1/predict", { method: "DELETE" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "POST");
  assert.match(await metricsText(app), /route="\/v1\/predict",method="DELETE",status="405"/);
});

Deno.test("log fields: whatever a client sends, no field is longer than its cap", async () => {
  const { app, lines } = setup({ API_KEYS: "k-secret" });
  const huge = "x".repeat(20_000);
  await app.request(`/v1/${huge}`, { headers: { "x-request-id": huge, "user-agent": huge } });
  await app.request("/v1/predict", {
    method: "POST",
    headers: { authorization: `Bearer ${huge}`, "x-request-id": `ok-${"y".repeat(100)}` },
  });
  assert.equal(lines.length, 2);
  for (const line of lines) {
    for (const [k, v] of Object.entries(line)) {
      if (typeof v === "string") assert.ok(v.length <= 256 + 20, `${k}: ${v.length} characters`);
    }
  }
  assert.equal("clientRequestId" in lines[0], false, "a 20 kB client id is dropped, not kept");
  assert.equal(lines[1].clientRequestId, `ok-${"y".repeat(100)}`);
  assert.ok(!JSON.stringify(lines).includes("x".repeat(300)));
});
