/**
 * Builds a self-contained copy of the training scripts for a machine that has Node but no npm
 * access (a lent GPU server, an air-gapped workstation): each script bundled into one `.js` file by
 * esbuild, plus the few native and wasm files they load at run time, in a `node_modules/` beside
 * them. Copy the folder over and run `node <out>/train.js ...` there.
 *
 * ```sh
 * node --import tsx scripts/bundle_training.ts [--out dist/train] [--platform linux-x64]
 * ```
 *
 * Bundled: `train.js`, `bench_train.js`, `bench_conv_grad.js`, the replica `worker.js` and the
 * device data path's `feeder_worker.js` (the pools start `./worker.js` and `./feeder_worker.js`
 * when they run from a bundle). Copied: webgpu's `dawn.node` for
 * `--platform` (when the optional `webgpu` package is installed), imagescript's JPEG decoder,
 * tfjs-backend-wasm's binaries and the pretrained backbones' weights from nsfwjs (`--backbones`).
 *
 * @module
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { cp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { cliArgs } from "./lib/run/cli.ts";
import { BACKBONES, PRETRAINED_ARCHS, type PretrainedArch } from "./lib/models/backbones.ts";

const ENTRIES = {
  train: "scripts/train.ts",
  bench_train: "scripts/bench_train.ts",
  bench_conv_grad: "scripts/bench_conv_grad.ts",
  worker: "scripts/lib/train/worker.ts",
  feeder_worker: "scripts/lib/train/feeder_worker.ts",
} as const;

/**
 * Folder of an installed package (its package.json's folder), or null when it is not installed.
 * Packages whose `exports` hide `package.json` (nsfwjs) are found from their entry point upwards.
 */
function packageDir(name: string): string | null {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch { /* not exported: look up from the entry point */ }
  try {
    for (let d = dirname(require.resolve(name)); d !== dirname(d); d = dirname(d)) {
      try {
        if (JSON.parse(readFileSync(join(d, "package.json"), "utf8")).name === name) return d;
      } catch { /* no package.json here */ }
    }
  } catch { /* not installed */ }
  return null;
}

/** Copies `files` (relative to package `name`'s folder) into `<out>/node_modules/<name>/`. */
async function copyPackageFiles(out: string, name: string, files: string[]): Promise<boolean> {
  const src = packageDir(name);
  if (!src) return false;
  for (const f of ["package.json", ...files]) {
    await mkdir(dirname(join(out, "node_modules", name, f)), { recursive: true });
    await cp(join(src, f), join(out, "node_modules", name, f), { recursive: true });
  }
  return true;
}

/**
 * Bundles the training scripts into `out` and copies their run-time files; returns the files written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const out = await Deno.makeTempDir(); // `deno task bundle:train` writes dist/train
 * const files = await bundleTraining({ out, platform: "linux-x64" });
 * assert.ok(files.includes("train.js") && files.includes("worker.js") && files.includes("feeder_worker.js"));
 * assert.ok(files.includes("node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js")); // MobileNetV2's weights
 * assert.ok(!files.some((f) => f.includes("inception_v3"))); // 29 MB, only with --backbones inceptionv3
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function bundleTraining(
  o: { out: string; platform: string; backbones?: PretrainedArch[] },
): Promise<string[]> {
  await rm(o.out, { recursive: true, force: true });
  await build({
    entryPoints: ENTRIES,
    outdir: o.out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // native addon and packages resolved at run time from <out>/node_modules
    external: ["webgpu", "tsx", "tsx/*", "esbuild"],
    // ESM has no require, __filename or __dirname; bundled CommonJS (tfjs-backend-wasm's loader) uses them
    banner: {
      js: [
        'import { createRequire as __cr } from "node:module";',
        'import { fileURLToPath as __fu } from "node:url";',
        "const require = __cr(import.meta.url), __filename = __fu(import.meta.url), __dirname = __fu(new URL('.', import.meta.url));",
      ].join(" "),
    },
    logLevel: "warning",
  });
  await writeFile(join(o.out, "package.json"), JSON.stringify({ type: "module", private: true }, null, 2) + "\n");
  const webgpu = await copyPackageFiles(o.out, "webgpu", ["index.js", `dist/${o.platform}`]);
  if (!webgpu) process.stderr.write("webgpu is not installed: the bundle can train on wasm/cpu only\n");
  await copyPackageFiles(o.out, "imagescript", ["wasm/any/jpeg.wasm"]);
  // the pretrained backbones' weights (scripts/lib/models/pretrained.ts resolves nsfwjs, then reads dist/models/)
  await copyPackageFiles(o.out, "nsfwjs", [
    "dist/cjs/index.js",
    "dist/models/package.json",
    ...(o.backbones ?? ["mobilenetv2"]).map((b) => `dist/models/${BACKBONES[b].folder}`),
  ]);
  const wasmDist = packageDir("@tensorflow/tfjs-backend-wasm");
  if (wasmDist) {
    const bins = (await readdir(join(wasmDist, "dist"))).filter((f) => f.endsWith(".wasm")).map((f) => `dist/${f}`);
    await copyPackageFiles(o.out, "@tensorflow/tfjs-backend-wasm", bins);
  }
  // our wasm SIMD kernels, where the bundled simd_module.ts looks for them
  await mkdir(join(o.out, "simd"), { recursive: true });
  for (const name of ["conv_grad", "batch_norm"]) {
    await cp(
      fileURLToPath(new URL(`./lib/tfjs/simd/${name}.wasm`, import.meta.url)),
      join(o.out, "simd", `${name}.wasm`),
    );
  }
  const files: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else files.push(relative(o.out, p));
    }
  };
  await walk(o.out);
  return files.sort();
}

if (import.meta.main ?? /bundle_training\.[jt]s$/.test(process.argv[1] ?? "")) {
  const here = `${process.platform}-${process.arch}`;
  const a = cliArgs({
    name: "bundle_training.ts",
    usage: `Usage: deno task bundle:train [--out DIR] [--platform OS-ARCH]
  (node --import tsx scripts/bundle_training.ts …)
  --out DIR            the folder to write (dist/train); copy it to the machine and run node <out>/train.js there
  --platform OS-ARCH   whose webgpu binary (dawn.node) to copy, e.g. linux-x64, darwin-arm64 (this machine: ${here})
  --backbones A,B      pretrained backbones whose weights to copy (mobilenetv2; inceptionv3 adds 29 MB)`,
    example: "deno task bundle:train --out dist/train --platform linux-x64",
    options: {
      out: { type: "string", default: "dist/train" },
      platform: { type: "string", default: here },
      backbones: { type: "string", default: "mobilenetv2" },
    },
  });
  const backbones = a.backbones!.split(",").map((s) => s.trim()).filter(Boolean) as PretrainedArch[];
  for (const b of backbones) {
    if (!PRETRAINED_ARCHS.includes(b)) throw new Error(`--backbones: unknown ${b}; use ${PRETRAINED_ARCHS.join(", ")}`);
  }
  const out = a.out!;
  const files = await bundleTraining({ out, platform: a.platform!, backbones });
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(out, f))).size;
  console.log(`${out}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB`);
  for (const f of files) console.log(`  ${f}`);
}
