/**
 * The whole training path for one run folder, in order: prepare → train → evaluate → baseline →
 * export → quantize → domain (pooled-feature distance + sanity ranges) → shift (the relative-chroma
 * invariance grid) → suite (the acquisition shift suite, as the service answers) → card. Each
 * step is its own CLI (`deno task <step>`), run here as a child process; a step whose outputs
 * exist and are newer than its inputs is skipped, so an interrupted pipeline picks up where it
 * stopped (training resumes from its last epoch).
 *
 *   deno task pipeline --run runs/cand/w80 --dataset ~/data/taleqani_all --name all-v5 --version 5.0.0 \
 *     --check runs/cnmc_subset/manifest.json \
 *     --args "train=--arch small-gap --width 0.75 --size 96 --epochs 30 --color relative-chroma"
 *
 * @module
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cliArgs, StepError, stepFailed, UsageError } from "./lib/run/cli.ts";
import {
  fileTimes,
  type PipelineConfig,
  pipelineSteps,
  type PlannedStep,
  planPipeline,
  planProblems,
  stepFiles,
} from "./lib/run/pipeline_plan.ts";
import { runPath, type StepName, STEPS } from "./lib/run/run_files.ts";

const WRITES: Partial<Record<StepName, string>> = {
  prepare: "manifest.json (with the default --manifest)",
  card: "<out>/<name>.{float,int8}.{onnx,json}, outside the run folder",
};

const USAGE = `Usage: deno task pipeline --run <run folder> [options]
  (node --import tsx scripts/pipeline.ts …)
  --run DIR           the run folder (created if needed)
  --manifest FILE     the split manifest (default <run>/manifest.json; prepare writes it when missing)
  --dataset DIR       the downloaded dataset, for prepare
  --name NAME         the models' file name for the card step, e.g. all-v5
  --out DIR           where the card step writes the models (model)
  --id ID --version V the model's id and version (quantize and card; default: the card's id is --name, 1.0.0)
  --check FILE[:split]  another manifest for the domain step's out-of-domain checks and the suite
                      step's other-lab answers (every image of FILE; repeatable)
  --members A,B,…     combine these trained runs instead of training (deno task ensemble; export is skipped)
  --args "STEP=FLAGS" extra flags for one step, split at spaces (repeatable), e.g. "train=--epochs 30",
                      "suite=--shifts identity,jpeg,gamma" (shift names with spaces: pick their family)
  --from STEP         run STEP and every later step even if up to date
  --to STEP           stop after STEP
  --dry-run           print the plan (what runs, what is skipped and why) and stop
Steps, and what each writes into the run folder:
${STEPS.map((s) => `  ${s.padEnd(9)} ${WRITES[s] ?? stepFiles(s).join(" ")}`).join("\n")}`;

function stepName(value: string | undefined, flag: string): StepName | undefined {
  if (value === undefined) return undefined;
  if (!STEPS.includes(value as StepName)) {
    throw new UsageError(`--${flag} must be one of ${STEPS.join(", ")}, got "${value}"`);
  }
  return value as StepName;
}

const args = cliArgs({
  name: "pipeline.ts",
  usage: USAGE,
  example: `deno task pipeline --run runs/np/wbzoom --dataset ~/data/taleqani_all --name all-v5 --version 5.0.0 \\
  --args "train=--arch small-gap --width 0.75 --size 96 --epochs 30"`,
  options: {
    run: { type: "string" },
    manifest: { type: "string" },
    dataset: { type: "string" },
    name: { type: "string" },
    out: { type: "string", default: "model" },
    id: { type: "string" },
    version: { type: "string" },
    check: { type: "string", multiple: true, default: [] },
    args: { type: "string", multiple: true, default: [] },
    members: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    "dry-run": { type: "boolean", default: false },
  },
  required: ["run"],
}, (v) => {
  const extraArgs: Partial<Record<StepName, string[]>> = {};
  for (const a of v.args ?? []) {
    const m = /^([a-z]+)=(.*)$/s.exec(a);
    const step = m && stepName(m[1], "args");
    if (!m || !step) throw new UsageError(`--args takes STEP=FLAGS, e.g. "train=--epochs 30", got "${a}"`);
    extraArgs[step] = [...(extraArgs[step] ?? []), ...m[2].trim().split(/\s+/).filter(Boolean)];
  }
  const from = stepName(v.from, "from"), to = stepName(v.to, "to");
  if (from && to && STEPS.indexOf(from) > STEPS.indexOf(to)) {
    throw new UsageError(`--from ${from} comes after --to ${to}`);
  }
  const config: PipelineConfig = {
    run: v.run!,
    manifest: v.manifest ?? runPath(v.run!, "manifest"),
    ...(v.dataset ? { dataset: v.dataset } : {}),
    out: v.out!,
    ...(v.name ? { name: v.name } : {}),
    ...(v.id ? { id: v.id } : {}),
    ...(v.version ? { version: v.version } : {}),
    checks: v.check ?? [],
    extraArgs,
    ...(v.members ? { members: v.members.split(",").map((r) => r.trim()).filter(Boolean) } : {}),
  };
  return { config, from, to, dryRun: v["dry-run"] === true };
});

const SCRIPTS = fileURLToPath(new URL(".", import.meta.url));

function commandLine(s: PlannedStep): string {
  const quote = (a: string) => (/^[\w./:=,+@%-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  return ["node --import tsx", `scripts/${s.script}`, ...s.args.map(quote)].join(" ");
}

/** Runs one step as `node --import tsx scripts/<script> …`, output passed through. */
function runStep(s: PlannedStep): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", `${SCRIPTS}${s.script}`, ...s.args], {
      stdio: "inherit",
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else {
        reject(
          new StepError(
            `the ${s.step} step ${signal ? `was killed (${signal})` : `exited with ${code}`}; fix what it said, then ` +
              `run the pipeline again: finished steps are skipped`,
          ),
        );
      }
    });
  });
}

async function main(): Promise<void> {
  const { config, from, to, dryRun } = args;
  const steps = pipelineSteps(config);
  const all = steps.flatMap((s) => [...s.inputs, ...s.outputs, ...(s.resume ? [s.resume.marker] : [])]);
  const times = await fileTimes(all);
  const plan = planPipeline(steps, times, { from, to });
  const width = Math.max(...plan.map((s) => s.step.length));
  for (const s of plan) {
    console.error(`${s.run ? "run " : "skip"} ${s.step.padEnd(width)}  ${s.reason}`);
    if (s.run) console.error(`     ${" ".repeat(width)}  ${commandLine(s)}`);
  }
  const problems = planProblems(plan, config, times);
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  if (dryRun) return;
  const todo = plan.filter((s) => s.run);
  for (const [i, s] of todo.entries()) {
    console.error(`\n[pipeline ${i + 1}/${todo.length}] ${s.step}: ${commandLine(s)}`);
    const t0 = performance.now();
    await runStep(s);
    const after = await fileTimes(s.outputs);
    const missing = s.outputs.filter((f) => after(f) === undefined);
    if (missing.length > 0) {
      throw new StepError(`the ${s.step} step finished but did not write ${missing.join(", ")}`);
    }
    console.error(`[pipeline] ${s.step} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.error(todo.length === 0 ? "\n[pipeline] everything is up to date" : "\n[pipeline] done");
}

main().catch((err) => {
  if (err instanceof UsageError) {
    console.error(`pipeline.ts: ${err.message}`);
    process.exit(2);
  }
  stepFailed("pipeline")(err);
});
