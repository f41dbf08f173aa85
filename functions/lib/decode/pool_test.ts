import assert from "node:assert/strict";
import {
  cardPathFor,
  DEFAULT_MODEL,
  ImageDecodeError,
  parseModelCard,
  type PreprocessSpec,
} from "../../../model/core/mod.ts";
import { ApiError } from "../http/errors.ts";
import { withBudget } from "../http/budget.ts";
import { fixture, IMAGES, solidPng } from "../../../tests/helpers/images.ts";
import { type DecodedInput, type DecodeJob, inThreadDecoder } from "./job.ts";
import { createDecodePool, type DecodePool } from "./pool.ts";
import { SPIN, SPIN_WORKER, THROW, warmWithin, withMarker } from "./testing/spin_worker.ts";

/** The committed model's preprocessing (96 px, no crop) and one that crops, to an odd size, over white. */
const SPECS: PreprocessSpec[] = [
  parseModelCard(
    JSON.parse(await Deno.readTextFile(new URL(`../../../${cardPathFor(DEFAULT_MODEL)}`, import.meta.url))),
  ).preprocess,
  {
    size: 37,
    crop: "center-square",
    resize: "area",
    normalization: { mode: "per-image", minStd: 0.01 },
    channelOrder: "RGB",
    alphaBackground: 255,
  },
];
const job = (preprocess: PreprocessSpec, extra: Partial<DecodeJob> = {}): DecodeJob => ({
  maxPixels: 4096 * 4096,
  minSide: 16,
  preprocess,
  ...extra,
});
/** Bounds every wait on the pool: a job that hangs fails the test instead of hanging it. */
// Generous: a replacement worker is type-checked when it starts, which takes tens of seconds on a loaded machine.
const bounded = () => AbortSignal.timeout(90_000);

async function withPool<T>(pool: DecodePool, fn: (pool: DecodePool) => Promise<T>): Promise<T> {
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

/** Outcome of a decode, comparable across threads: the floats, or the error's class, code and message. */
async function outcome(p: Promise<DecodedInput>) {
  try {
    const d = await p;
    return { format: d.format, width: d.width, height: d.height, resized: d.resized };
  } catch (e) {
    return { error: e instanceof ImageDecodeError ? `ImageDecodeError ${e.code}: ${e.message}` : String(e) };
  }
}

function firstDifference(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : n;
}

async function sameAsInThread(pool: DecodePool) {
  const names = [...Deno.readDirSync(IMAGES)].map((e) => e.name).filter((n) => /\.(bmp|png|jpe?g|tiff?)$/.test(n))
    .sort();
  assert.ok(names.length >= 40, `only ${names.length} fixture images found`);
  let errors = 0;
  for (const spec of SPECS) {
    for (const name of names) {
      const bytes = await fixture(name);
      const here = await outcome(inThreadDecoder.decode(bytes, job(spec)));
      const there = await outcome(pool.decode(bytes, job(spec), bounded()));
      if ("error" in here) {
        errors++;
        assert.deepEqual(there, here, name);
        continue;
      }
      assert.ok(!("error" in there), `${name}: ${"error" in there ? there.error : ""}`);
      assert.deepEqual(
        [there.format, there.width, there.height, there.resized.width, there.resized.height],
        [here.format, here.width, here.height, here.resized.width, here.resized.height],
        name,
      );
      const at = firstDifference(there.resized.data, here.resized.data);
      assert.equal(at, -1, `${name} (size ${spec.size}): first differing float at index ${at}`);
    }
  }
  // the caller's bytes were copied, not taken: still readable after the pool had them
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  await pool.decode(bmp, job(SPECS[0]), bounded());
  assert.deepEqual([bmp[0], bmp[1], bmp.length > 1000], [0x42, 0x4d, true]);
  // most fixtures decode (a few use features the decoders refuse: CMYK JPEG, 16-bit or JPEG-in-TIFF)
  assert.ok(errors <= SPECS.length * 5, `${errors} refusals`);
  const s = pool.stats();
  assert.equal(s.mode, "workers");
  assert.equal(s.completed, names.length * SPECS.length + 1);
  // workers start lazily: one job at a time needed only one of the two
  assert.deepEqual([s.started, s.terminated, s.running, s.queued], [1, 0, 0, 0]);
}

async function sameRefusals(pool: DecodePool) {
  const png = solidPng(40, 30, [200, 100, 50, 255]);
  const cases: [string, Uint8Array, Partial<DecodeJob>, string][] = [
    ["truncated", png.subarray(0, 60), {}, "corrupt_image"],
    ["garbage", new TextEncoder().encode("not an image at all"), {}, "unsupported_image"],
    ["over the pixel limit", png, { maxPixels: 1000 }, "too_many_pixels"],
    ["under the smallest side", png, { minSide: 31 }, "too_small"],
    ["declared as another format", png, { format: "jpeg" }, "corrupt_image"],
  ];
  for (const [what, bytes, extra, code] of cases) {
    const expected = await inThreadDecoder.decode(bytes, job(SPECS[0], extra)).then(
      () => assert.fail(`${what}: decoded in-thread`),
      (e: unknown) => e,
    );
    await assert.rejects(pool.decode(bytes, job(SPECS[0], extra), bounded()), (e) => {
      assert.ok(e instanceof ImageDecodeError, `${what}: ${e}`);
      assert.equal(e.code, code, what);
      assert.equal(e.message, (expected as Error).message, what);
      return true;
    });
  }
  assert.equal(pool.stats().terminated, 0);
}

Deno.test("decode pool: same floats, or the same refusal (ImageDecodeError, code and message), as decoding in-thread", async (t) => {
  await withPool(createDecodePool({ size: 2 }), async (pool) => {
    await t.step("every fixture image", () => sameAsInThread(pool));
    await t.step("generated refusals", () => sameRefusals(pool));
  });
});

Deno.test("decode pool: a job that never ends is terminated at its budget, and the pool serves the next job", async () => {
  const logs: Record<string, unknown>[] = [];
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  await withPool(createDecodePool({ size: 1, workerUrl: SPIN_WORKER, log: (r) => logs.push(r) }), async (pool) => {
    await warmWithin(pool); // loaded, so the job below really runs (and spins) before its budget ends
    assert.deepEqual([pool.stats().started, pool.stats().alive], [1, 1]);
    await assert.rejects(
      withBudget(300, (signal) => pool.decode(withMarker(bmp, SPIN), job(SPECS[0]), signal)),
      (e) => e instanceof ApiError && e.status === 503 && e.code === "timeout",
    );
    assert.deepEqual([pool.stats().terminated, pool.stats().alive], [1, 1]); // replaced at once
    assert.deepEqual(logs.map((l) => l.event), ["decode_worker_terminated"]);
    const next = await pool.decode(bmp, job(SPECS[0]), bounded());
    assert.deepEqual([next.format, next.width, next.height], ["bmp", 450, 450]);
    const s = pool.stats();
    assert.deepEqual([s.started, s.terminated, s.completed, s.running], [2, 1, 1, 0]);
  });
});

Deno.test("decode pool: queued jobs wait for a worker; one whose budget ends while waiting leaves the queue; a full queue answers busy", async () => {
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  await withPool(createDecodePool({ size: 1, maxQueued: 1, workerUrl: SPIN_WORKER }), async (pool) => {
    await warmWithin(pool);
    const stuck = new AbortController();
    const spinning = pool.decode(withMarker(bmp, SPIN), job(SPECS[0]), stuck.signal);
    const waiting = new AbortController();
    const queued = pool.decode(bmp, job(SPECS[0]), waiting.signal);
    assert.deepEqual([pool.stats().running, pool.stats().queued], [1, 1]);
    await assert.rejects(
      pool.decode(bmp, job(SPECS[0]), bounded()),
      (e) => e instanceof ApiError && e.status === 503 && e.code === "timeout" && /busy/.test(e.message),
    );
    waiting.abort(new Error("waited too long"));
    await assert.rejects(queued, /waited too long/);
    assert.deepEqual([pool.stats().running, pool.stats().queued, pool.stats().terminated], [1, 0, 0]);
    // the job behind the spinning one runs once the spinner is stopped
    const behind = pool.decode(bmp, job(SPECS[0]), bounded());
    stuck.abort(new Error("budget spent"));
    await assert.rejects(spinning, /budget spent/);
    assert.equal((await behind).width, 450);
    assert.deepEqual([pool.stats().terminated, pool.stats().completed], [1, 1]);
  });
});

Deno.test("decode pool: an error thrown in a worker fails only its job (500, logged); the worker is replaced", async () => {
  const logs: Record<string, unknown>[] = [];
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  await withPool(createDecodePool({ size: 1, workerUrl: SPIN_WORKER, log: (r) => logs.push(r) }), async (pool) => {
    await pool.decode(bmp, job(SPECS[0]), bounded()); // loaded
    await assert.rejects(
      pool.decode(withMarker(bmp, THROW), job(SPECS[0]), bounded()),
      (e) => e instanceof Error && !(e instanceof ImageDecodeError) && /thrown on purpose/.test(e.message),
    );
    assert.deepEqual(logs.map((l) => l.event), ["decode_worker_failed"]);
    assert.equal((await pool.decode(bmp, job(SPECS[0]), bounded())).width, 450);
    assert.deepEqual([pool.stats().mode, pool.stats().started, pool.stats().completed], ["workers", 2, 2]);
  });
});

Deno.test("decode pool: a replacement worker that cannot load (its modules gone, as during npm ci) hands its job to the request thread", async () => {
  const logs: Record<string, unknown>[] = [];
  const jpg = await fixture("full_baseline.jpg");
  // the worker's main module lives in a temporary folder, deleted once the first worker has loaded
  const dir = await Deno.makeTempDir({ prefix: "decode-worker-" });
  const main = `${dir}/worker.ts`;
  await Deno.writeTextFile(main, `import ${JSON.stringify(SPIN_WORKER.href)};\n`);
  try {
    const pool = createDecodePool({ size: 1, workerUrl: new URL(`file://${main}`), log: (r) => logs.push(r) });
    await withPool(pool, async (pool) => {
      await warmWithin(pool);
      const first = await pool.decode(jpg, job(SPECS[0]), bounded());
      await Deno.remove(main);
      // a job past its budget: its worker is terminated and the replacement cannot load
      await assert.rejects(
        withBudget(300, (signal) => pool.decode(withMarker(jpg, SPIN), job(SPECS[0]), signal)),
        (e) => e instanceof ApiError && e.code === "timeout",
      );
      const next = await pool.decode(jpg, job(SPECS[0]), bounded());
      assert.deepEqual([next.format, next.width, next.height], [first.format, first.width, first.height]);
      assert.equal(firstDifference(next.resized.data, first.resized.data), -1, "the same floats");
      // terminated, then the replacement failed; under load the pool may try (and log) another
      // replacement before the next job, which must also be a failure, never anything else
      const events = logs.map((l) => l.event);
      assert.deepEqual(events.slice(0, 2), ["decode_worker_terminated", "decode_worker_failed"]);
      assert.ok(events.slice(2).every((e) => e === "decode_worker_failed"), `events: ${events}`);
      assert.equal(pool.stats().mode, "workers", "workers are tried again for later jobs");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode pool: where workers are unavailable it decodes on the request thread, and says so once", async (t) => {
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  await t.step("no Worker constructor (Cloudflare Workers, Node)", async () => {
    const saved = globalThis.Worker;
    // deno-lint-ignore no-explicit-any
    delete (globalThis as any).Worker;
    try {
      await withPool(createDecodePool({ size: 2 }), async (pool) => {
        pool.warm();
        assert.equal(pool.stats().mode, "in-thread");
        assert.equal((await pool.decode(bmp, job(SPECS[0]), bounded())).width, 450);
        assert.equal(pool.stats().started, 0);
      });
    } finally {
      globalThis.Worker = saved;
    }
  });
  await t.step("a worker that cannot load (a host that refuses them)", async () => {
    const logs: Record<string, unknown>[] = [];
    const missing = new URL("./testing/no_such_worker.ts", import.meta.url);
    await withPool(createDecodePool({ size: 2, workerUrl: missing, log: (r) => logs.push(r) }), async (pool) => {
      const [a, b] = await Promise.all([
        pool.decode(bmp, job(SPECS[0]), bounded()),
        pool.decode(await fixture("cnmc_all_UID_35_6_2_all.png"), job(SPECS[0]), bounded()),
      ]);
      assert.deepEqual([a.format, b.format], ["bmp", "png"]);
      assert.equal(pool.stats().mode, "in-thread");
      assert.equal(pool.stats().alive, 0);
      assert.deepEqual(logs.map((l) => l.event), ["decode_workers_unavailable"]);
    });
  });
});

Deno.test("decode pool: close rejects what is queued or running, terminates every worker, refuses later jobs", async () => {
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  const pool = createDecodePool({ size: 1, workerUrl: SPIN_WORKER });
  pool.warm();
  const running = pool.decode(withMarker(bmp, SPIN), job(SPECS[0]), bounded());
  const queued = pool.decode(bmp, job(SPECS[0]), bounded());
  await pool.close();
  const shuttingDown = (e: unknown) => e instanceof ApiError && e.status === 503 && e.code === "shutting_down";
  await assert.rejects(running, shuttingDown);
  await assert.rejects(queued, shuttingDown);
  await assert.rejects(pool.decode(bmp, job(SPECS[0]), bounded()), shuttingDown);
  assert.deepEqual([pool.stats().mode, pool.stats().alive], ["closed", 0]);
  await pool.close(); // twice is fine
});

Deno.test("decode pool: size must be a positive integer", () => {
  assert.throws(() => createDecodePool({ size: 0 }), RangeError);
  assert.throws(() => createDecodePool({ size: 1.5 }), RangeError);
});
