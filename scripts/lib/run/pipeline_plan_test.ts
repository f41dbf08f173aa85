import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  type FileTimes,
  fileTimes,
  type PipelineConfig,
  pipelineSteps,
  type PlannedStep,
  planPipeline,
  planProblems,
  type StepCommand,
} from "./pipeline_plan.ts";
import { runPath, type StepName, STEPS } from "./run_folder.ts";

const RUN = "runs/x";
const config: PipelineConfig = {
  run: RUN,
  manifest: "runs/x/manifest.json",
  dataset: "/data/taleqani_all",
  out: "model",
  name: "all-v5",
  version: "5.0.0",
  checks: ["runs/cnmc_subset/manifest.json"],
  extraArgs: { train: ["--epochs", "30", "--width", "0.75"] },
};
const steps = pipelineSteps(config);

/** A fake run folder: the outputs of `done` steps written at time `at` (in that order), plus the check manifest. */
function folder(done: readonly StepName[], at: (step: StepName, i: number) => number = (_, i) => 1000 + i) {
  const t = new Map<string, number>([["runs/cnmc_subset/manifest.json", 1]]);
  done.forEach((name, i) => {
    for (const f of steps.find((s) => s.step === name)!.outputs) t.set(f, at(name, i));
  });
  return { times: ((f: string) => t.get(f)) as FileTimes, t };
}

const runs = (plan: readonly PlannedStep[]) => plan.filter((s) => s.run).map((s) => s.step);
const byStep = (plan: readonly PlannedStep[], step: StepName) => plan.find((s) => s.step === step)!;

Deno.test("steps come in the pipeline's order, with the run folder's paths and the extra flags", () => {
  assert.deepEqual(steps.map((s) => s.step), [...STEPS]);
  const train = steps.find((s) => s.step === "train")!;
  assert.deepEqual(train.args, ["--manifest", config.manifest, "--out", RUN, "--epochs", "30", "--width", "0.75"]);
  assert.ok(train.outputs.includes(runPath(RUN, "predictions")));
  const quantize = steps.find((s) => s.step === "quantize")!;
  assert.deepEqual(quantize.args.slice(-2), ["--version", "5.0.0"]);
  const domain = steps.find((s) => s.step === "domain")!;
  assert.equal(domain.args[0], "--features", "the pooled-feature distance and sanity ranges");
  assert.ok(domain.args.join(" ").endsWith(`--check ${config.manifest}:test --check runs/cnmc_subset/manifest.json`));
  assert.ok(domain.inputs.includes("runs/cnmc_subset/manifest.json"));
  const shift = steps.find((s) => s.step === "shift")!;
  assert.deepEqual(shift.args.slice(-2), ["--domain", runPath(RUN, "domain")]);
  const suite = steps.find((s) => s.step === "suite")!;
  assert.equal(suite.script, "evaluate_suite.ts");
  assert.deepEqual(suite.args, [
    "--model",
    runPath(RUN, "int8Model"),
    "--manifest",
    config.manifest,
    "--split",
    "test",
    "--domain",
    runPath(RUN, "domain"),
    "--out",
    runPath(RUN, "suite"),
    "--check",
    "runs/cnmc_subset/manifest.json",
  ]);
  assert.deepEqual(suite.outputs, [runPath(RUN, "suite")]);
  assert.ok(suite.inputs.includes("runs/cnmc_subset/manifest.json"));
  const card = steps.find((s) => s.step === "card")!;
  assert.deepEqual(
    card.outputs,
    ["all-v5.float.onnx", "all-v5.float.json", "all-v5.int8.onnx", "all-v5.int8.json"].map((f) => join("model", f)),
  );
  // every input of a step is written by an earlier step or comes from outside (manifest given, --check)
  for (const [i, s] of steps.entries()) {
    for (const f of s.inputs) {
      const writer = steps.findIndex((o) => o.outputs.includes(f));
      assert.ok(writer < i, `${s.step} reads ${f}, written by ${writer < 0 ? "nobody" : steps[writer].step}`);
    }
  }
});

Deno.test("an empty run folder: everything runs, each for its missing outputs", () => {
  const plan = planPipeline(steps, folder([]).times);
  assert.deepEqual(runs(plan), [...STEPS]);
  assert.equal(byStep(plan, "prepare").reason, `${config.manifest} is missing`);
  assert.deepEqual(planProblems(plan, config, folder([]).times), []);
});

Deno.test("an ensemble: ensemble.ts replaces training, export never runs, the rest runs on its model", () => {
  const members = ["runs/a", "runs/b"];
  const ens = pipelineSteps({ ...config, members });
  const train = ens.find((s) => s.step === "train")!;
  assert.equal(train.script, "ensemble.ts");
  assert.deepEqual(train.args, [
    "--members",
    "runs/a,runs/b",
    "--manifest",
    config.manifest,
    "--out",
    RUN,
    "--epochs",
    "30",
    "--width",
    "0.75",
  ]);
  assert.ok(
    train.outputs.includes(runPath(RUN, "floatModel")) && train.inputs.includes(runPath("runs/b", "predictions")),
  );
  const times: FileTimes = (
    f,
  ) => (f === config.manifest || f.startsWith("runs/a/") || f.startsWith("runs/b/") ? 1 : undefined);
  const plan = planPipeline(ens, times);
  assert.deepEqual(runs(plan), STEPS.filter((s) => s !== "prepare" && s !== "export"));
  assert.equal(byStep(plan, "export").reason, "the ensemble step writes the float model");
  assert.equal(byStep(plan, "quantize").reason, `train rewrites ${runPath(RUN, "floatModel")}`);
  // a member retrained after the ensemble was built: the ensemble is rebuilt
  const later: FileTimes = (f) => (f === runPath("runs/b", "floatModel") ? 5000 : f.startsWith(RUN) ? 2000 : times(f));
  assert.deepEqual(runs(planPipeline(ens, later)), [
    "train",
    "evaluate",
    "quantize",
    "domain",
    "shift",
    "suite",
    "card",
  ]);
});

Deno.test("a finished run folder: nothing runs", () => {
  const { times } = folder(STEPS);
  const plan = planPipeline(steps, times);
  assert.deepEqual(runs(plan), []);
  assert.ok(plan.every((s) => s.reason === "up to date"));
});

Deno.test("stopped after quantize: the rest runs", () => {
  const plan = planPipeline(steps, folder(["prepare", "train", "evaluate", "baseline", "export", "quantize"]).times);
  assert.deepEqual(runs(plan), ["domain", "shift", "suite", "card"]);
  assert.match(byStep(plan, "domain").reason, /domain.json is missing/);
  assert.equal(byStep(plan, "shift").reason, `domain rewrites ${runPath(RUN, "domain")}`);
  assert.equal(byStep(plan, "suite").reason, `domain rewrites ${runPath(RUN, "domain")}`);
});

Deno.test("a step that runs makes the steps reading its outputs run, and only those", () => {
  // everything done, but the colour baseline's outputs were deleted: baseline, then card (reads its eval.json)
  const { times, t } = folder(STEPS);
  for (const f of steps.find((s) => s.step === "baseline")!.outputs) t.delete(f);
  const plan = planPipeline(steps, times);
  assert.deepEqual(runs(plan), ["baseline", "card"]);
  assert.equal(byStep(plan, "card").reason, `baseline rewrites ${runPath(RUN, "baselineEval")}`);
});

Deno.test("an input newer than a step's outputs makes it run (the domain check refitted by hand)", () => {
  const { times, t } = folder(STEPS);
  t.set(runPath(RUN, "domain"), 5000);
  const plan = planPipeline(steps, times);
  assert.deepEqual(runs(plan), ["shift", "suite", "card"]);
  assert.equal(byStep(plan, "shift").reason, `${runPath(RUN, "domain")} is newer than its outputs`);
  assert.equal(byStep(plan, "suite").reason, `${runPath(RUN, "domain")} is newer than its outputs`);
  // a newer manifest: everything after prepare
  t.set(config.manifest, 9000);
  assert.deepEqual(runs(planPipeline(steps, times)), STEPS.slice(1));
});

Deno.test("--from forces a step and every later one; --to stops after a step", () => {
  const { times } = folder(STEPS);
  assert.deepEqual(runs(planPipeline(steps, times, { from: "quantize" })), [
    "quantize",
    "domain",
    "shift",
    "suite",
    "card",
  ]);
  assert.equal(byStep(planPipeline(steps, times, { from: "quantize" }), "domain").reason, "--from quantize");
  const partial = planPipeline(steps, folder([]).times, { to: "evaluate" });
  assert.deepEqual(runs(partial), ["prepare", "train", "evaluate"]);
  assert.equal(byStep(partial, "card").reason, "after --to evaluate");
});

Deno.test("interrupted training resumes from last/ when its outputs are missing, not when forced or stale", () => {
  const { times, t } = folder(["prepare"]);
  t.set(runPath(RUN, "loopState"), 2000);
  t.set(runPath(RUN, "history"), 2000);
  const train = byStep(planPipeline(steps, times), "train");
  assert.deepEqual(train.args.slice(-1), ["--resume"]);
  assert.match(train.reason, /resuming from .*state\.json/);
  assert.ok(!byStep(planPipeline(steps, times, { from: "train" }), "train").args.includes("--resume"));
  assert.ok(!byStep(planPipeline(steps, folder(["prepare"]).times), "train").args.includes("--resume"));
  // a new manifest (prepare runs again): a fresh training, not a resumed one
  const fresh = byStep(planPipeline(steps, times, { from: "prepare" }), "train");
  assert.ok(!fresh.args.includes("--resume"));
  assert.equal(fresh.reason, "--from prepare");
  const remade0 = folder(["prepare"]);
  remade0.t.set(runPath(RUN, "loopState"), 2000);
  remade0.t.set(config.manifest, 3000); // the manifest rewritten after the interrupted training
  assert.ok(!byStep(planPipeline(steps, remade0.times), "train").args.includes("--resume"));
  const remade = folder([]);
  remade.t.set(runPath(RUN, "loopState"), 2000);
  assert.ok(!byStep(planPipeline(steps, remade.times), "train").args.includes("--resume"));
});

Deno.test("planProblems: prepare without --dataset, card without --name, a --check manifest that is not there", () => {
  const bare: PipelineConfig = { ...config, dataset: undefined, name: undefined };
  const plan = planPipeline(pipelineSteps(bare), () => undefined);
  assert.deepEqual(planProblems(plan, bare, () => undefined), [
    `prepare must write ${config.manifest}: pass --dataset <the downloaded dataset folder>`,
    "domain reads runs/cnmc_subset/manifest.json, which does not exist",
    "suite reads runs/cnmc_subset/manifest.json, which does not exist",
    "card writes the models: pass --name <model name>, e.g. all-v5",
  ]);
  // a manifest already there: prepare is skipped and needs no --dataset
  const { times } = folder(["prepare"]);
  assert.deepEqual(planProblems(planPipeline(pipelineSteps(bare), times), bare, times), [
    "card writes the models: pass --name <model name>, e.g. all-v5",
  ]);
});

Deno.test("fileTimes reads a real run folder's modification times", async () => {
  const dir = await mkdtemp(join(tmpdir(), "plan-"));
  try {
    const cfg: PipelineConfig = {
      ...config,
      run: dir,
      manifest: join(dir, "manifest.json"),
      checks: [],
      out: join(dir, "model"),
    };
    const real: StepCommand[] = pipelineSteps(cfg);
    let t = 1_700_000_000;
    for (const s of real) {
      for (const f of s.outputs) {
        await mkdir(dirname(f), { recursive: true });
        await writeFile(f, "x");
        await utimes(f, t, t);
      }
      t += 10;
    }
    const all = real.flatMap((s) => [...s.inputs, ...s.outputs]);
    assert.deepEqual(runs(planPipeline(real, await fileTimes(all))), []);
    await utimes(runPath(dir, "exportReport"), t + 100, t + 100); // quantize's report rewritten later
    assert.deepEqual(runs(planPipeline(real, await fileTimes(all))), ["card"]);
  } finally {
    await rm(dir, { recursive: true });
  }
});
