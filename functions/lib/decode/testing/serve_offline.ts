/**
 * Test harness (a main module, run by `functions/deno_test.ts` in a child process): starts the
 * Deno service on the tiny fixture model with `DECODE_WORKERS` = the first argument, waits until it
 * is ready, then takes away its read access to `node_modules` (what `npm ci` does to a running
 * service while it reinstalls the packages) and posts one image of each format to the routes that
 * decode. Prints one JSON line: `{ nodeModules, answers: { "<route> <image>": status } }`.
 *
 * Run with read access granted per top-level entry of the repository (a revoked path must not sit
 * under a wider grant, which `deno run -A` is):
 *
 *   deno run --allow-read=<each entry> --allow-net --allow-env --allow-ffi --allow-sys --unstable-kv \
 *     functions/lib/decode/testing/serve_offline.ts 1
 *
 * @module
 */
import { serve } from "../../../deno.ts";
import { loadConfig } from "../../config.ts";

const ROOT = new URL("../../../../", import.meta.url);
const IMAGES = ["full_baseline.jpg", "full_progressive.jpg", "cnmc_all_UID_35_6_2_all.png", "full_rgb_lzw.tif"];

if (import.meta.main) {
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    MODEL: new URL("tests/fixtures/models/tiny.int8.onnx", ROOT).pathname,
    FEEDBACK_DB: ":memory:",
    DECODE_WORKERS: Deno.args[0] ?? "1",
  });
  const server = serve(config, () => {});
  try {
    await server.ready;
    const images = await Promise.all(
      IMAGES.map((name) => Deno.readFile(new URL(`tests/fixtures/images/${name}`, ROOT))),
    );
    const nodeModules = new URL("node_modules", ROOT).pathname;
    await Deno.permissions.revoke({ name: "read", path: nodeModules });
    const answers: Record<string, number> = {};
    for (const route of ["/v1/predict", "/v1/explain"]) {
      for (const [i, name] of IMAGES.entries()) {
        const res = await fetch(`http://127.0.0.1:${server.port}${route}`, {
          method: "POST",
          headers: { "Content-Type": "application/octet-stream" },
          body: images[i],
        });
        await res.body?.cancel();
        answers[`${route} ${name}`] = res.status;
      }
    }
    const state = (await Deno.permissions.query({ name: "read", path: `${nodeModules}/imagescript` })).state;
    console.log(JSON.stringify({ nodeModules: state, answers }));
  } finally {
    await server.shutdown();
  }
}
