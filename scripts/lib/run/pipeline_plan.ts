/**
 * The pipeline's plan for one run folder: each step's command, the files it reads and writes,
 * and whether it must run. A step runs when `--from` forces it, when a step before it that
 * writes one of its inputs runs, when one of its outputs is missing, or when an input is newer
 * than its oldest output; otherwise it is skipped as up to date. Pure: the file times come in
 * as a function, so a test can plan against a fake run folder. Training interrupted before it
 * wrote all its outputs resumes from `last/` (`--resume`), unless its inputs changed.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { RUN_FILES, type RunFileKey, runPath, type StepName, STEPS } from "./run_files.ts";

/** What the pipeline is asked to do. */
export interface PipelineConfig {
  /** The run folder. */
  run: string;
  /** The split manifest (default `<run>/manifest.json`). */
  manifest: string;
  /** The downloaded dataset, for the prepare step (needed only when the manifest is to be written). */
  dataset?: string;
  /** Where the card step writes the models (`model`). */
  out: string;
  /** The models' file name for the card step, e.g. `all-v5`. */
  name?: string;
  /** The model's id and version (quantize records them in the run's cards; card keeps them). */
  id?: string;
  version?: string;
  /**
   * More manifests (`FILE[:split]`) for the domain step's out-of-domain checks; the suite step
   * answers every image of each (`--check FILE`, the split dropped).
   */
  checks: readonly string[];
  /** Extra flags per step, appended to its command. */
  extraArgs: Partial<Record<StepName, readonly string[]>>;
  /**
   * Trained run folders to combine instead of training: the train step runs `ensemble.ts` on them
   * (which also writes the float model), and the export step is skipped.
   */
  members?: readonly string[];
}

/** One step: its script, its flags and the files it reads and writes. */
export interface StepCommand {
  step: StepName;
  /** The script under `scripts/`, run as `node --import tsx scripts/<script>`. */
  script: string;
  args: string[];
  /** Files the step reads. */
  inputs: string[];
  /** Files the step writes (what "done" means). */
  outputs: string[];
  /** When the step runs because outputs are missing and this file exists, these flags resume it. */
  resume?: { marker: string; args: string[] };
  /** Why this step never runs for this configuration (e.g. export when an ensemble step writes the model). */
  skip?: string;
}

/** A step with the decision. */
export interface PlannedStep extends StepCommand {
  run: boolean;
  /** Why it runs or is skipped, for the plan's printout. */
  reason: string;
}

/** When each file was last written (ms), or `undefined` when it does not exist. */
export type FileTimes = (path: string) => number | undefined;

/**
 * The pipeline's steps for a configuration, in order.
 *
 * @example
 * ```ts
 * const steps = pipelineSteps({ run: "runs/x", manifest: "runs/x/manifest.json", out: "model", name: "all-v5",
 *   checks: [], extraArgs: { train: ["--epochs", "30"] } });
 * if (steps.map((s) => s.step).join(" ") !== "prepare train evaluate baseline export quantize domain shift suite card") {
 *   throw new Error("in order");
 * }
 * ```
 */
export function pipelineSteps(cfg: PipelineConfig): StepCommand[] {
  const run = cfg.run;
  const p = (key: RunFileKey) => runPath(run, key);
  const m = cfg.manifest;
  const identity = [...(cfg.id ? ["--id", cfg.id] : []), ...(cfg.version ? ["--version", cfg.version] : [])];
  const name = cfg.name ?? "<name>";
  const checkFiles = [...new Set(cfg.checks.map((c) => c.replace(/:(train|val|test|all)$/, "")))];
  const steps: Record<StepName, Omit<StepCommand, "step">> = {
    prepare: {
      script: "prepare_data.ts",
      args: ["--dataset", cfg.dataset ?? "<dataset>", "--out", m],
      inputs: [],
      outputs: [m],
    },
    train: {
      script: "train.ts",
      args: ["--manifest", m, "--out", run],
      inputs: [m],
      outputs: [p("preprocess"), p("trainConfig"), p("history"), p("bestModel"), p("predictions")],
      resume: { marker: p("loopState"), args: ["--resume"] },
    },
    evaluate: {
      script: "evaluate.ts",
      args: ["--predictions", p("predictions"), "--manifest", m, "--out", p("eval")],
      inputs: [p("predictions"), m],
      outputs: [p("eval")],
    },
    baseline: {
      script: "colour_baseline.ts",
      args: ["--manifest", m, "--out", p("baseline")],
      inputs: [m],
      outputs: [p("baselineEval"), p("baselinePredictions")],
    },
    export: {
      script: "export.ts",
      args: ["--run", run, "--manifest", m],
      inputs: [p("bestModel"), p("preprocess"), m],
      outputs: [p("floatModel"), p("onnxExport")],
    },
    quantize: {
      script: "quantize.ts",
      args: ["--run", run, "--manifest", m, ...identity],
      inputs: [p("floatModel"), p("onnxExport"), p("preprocess"), p("trainConfig"), p("history"), m],
      outputs: [p("int8Model"), p("floatCard"), p("int8Card"), p("exportReport")],
    },
    domain: {
      script: "fit_domain.ts",
      args: [
        "--features",
        "--model",
        p("int8Model"),
        "--manifest",
        m,
        "--out",
        p("domain"),
        "--report",
        p("domainReport"),
        "--check",
        `${m}:test`,
        ...cfg.checks.flatMap((c) => ["--check", c]),
      ],
      inputs: [p("int8Model"), p("int8Card"), m, ...checkFiles],
      outputs: [p("domain"), p("domainReport")],
    },
    shift: {
      script: "evaluate_shift.ts",
      args: [
        "--model",
        p("int8Model"),
        "--manifest",
        m,
        "--split",
        "test",
        "--out",
        p("shift"),
        "--domain",
        p("domain"),
      ],
      inputs: [p("int8Model"), p("int8Card"), p("domain"), m],
      outputs: [p("shift")],
    },
    suite: {
      script: "evaluate_suite.ts",
      args: [
        "--model",
        p("int8Model"),
        "--manifest",
        m,
        "--split",
        "test",
        "--domain",
        p("domain"),
        "--out",
        p("suite"),
        ...checkFiles.flatMap((c) => ["--check", c]),
      ],
      inputs: [p("int8Model"), p("int8Card"), p("domain"), m, ...checkFiles],
      outputs: [p("suite")],
    },
    card: {
      script: "card.ts",
      args: ["--run", run, "--manifest", m, "--name", name, "--out", cfg.out, ...identity],
      inputs: [
        p("floatModel"),
        p("int8Model"),
        p("int8Card"),
        p("onnxExport"),
        p("exportReport"),
        p("preprocess"),
        p("trainConfig"),
        p("history"),
        p("domain"),
        p("domainReport"),
        p("shift"),
        p("suite"),
        p("baselineEval"),
        m,
      ],
      outputs: [".float.onnx", ".float.json", ".int8.onnx", ".int8.json"].map((ext) => join(cfg.out, name + ext)),
    },
  };
  if (cfg.members) {
    const files = (key: RunFileKey) => cfg.members!.map((r) => runPath(r, key));
    steps.train = {
      script: "ensemble.ts",
      args: ["--members", cfg.members.join(","), "--manifest", m, "--out", run],
      inputs: [m, ...files("floatModel"), ...files("predictions"), ...files("preprocess"), ...files("eval")],
      outputs: [p("preprocess"), p("trainConfig"), p("history"), p("predictions"), p("floatModel"), p("onnxExport")],
    };
    steps.export = { ...steps.export, inputs: [], outputs: [], skip: "the ensemble step writes the float model" };
  }
  return STEPS.map((step) => ({
    step,
    ...steps[step],
    args: [...steps[step].args, ...(cfg.extraArgs[step] ?? [])],
  }));
}

/**
 * Decides which steps run, in order (see the module doc). `from` forces that step and every
 * later one; `to` stops after that step (later ones are listed as not run).
 *
 * @example A run folder where training finished and nothing else ran
 * ```ts
 * const steps = pipelineSteps({ run: "r", manifest: "r/manifest.json", out: "model", name: "n", checks: [], extraArgs: {} });
 * const written = new Set(steps.slice(0, 2).flatMap((s) => s.outputs));
 * const plan = planPipeline(steps, (f) => (written.has(f) ? 1000 : undefined));
 * const runs = plan.filter((s) => s.run).map((s) => s.step);
 * if (runs.join(" ") !== "evaluate baseline export quantize domain shift suite card") throw new Error(runs.join(" "));
 * ```
 */
export function planPipeline(
  steps: readonly StepCommand[],
  times: FileTimes,
  opts: { from?: StepName; to?: StepName } = {},
): PlannedStep[] {
  const fromIdx = opts.from ? STEPS.indexOf(opts.from) : Infinity;
  const toIdx = opts.to ? STEPS.indexOf(opts.to) : Infinity;
  const willWrite = new Map<string, StepName>(); // outputs of steps planned to run
  return steps.map((s) => {
    const idx = STEPS.indexOf(s.step);
    const decide = (): { run: boolean; reason: string; resume?: boolean } => {
      if (s.skip) return { run: false, reason: s.skip };
      if (idx > toIdx) return { run: false, reason: `after --to ${opts.to}` };
      if (idx >= fromIdx) return { run: true, reason: `--from ${opts.from}` };
      const upstream = s.inputs.find((f) => willWrite.has(f));
      if (upstream) return { run: true, reason: `${willWrite.get(upstream)} rewrites ${upstream}` };
      const missing = s.outputs.find((f) => times(f) === undefined);
      if (missing) return { run: true, reason: `${missing} is missing`, resume: true };
      const oldest = Math.min(...s.outputs.map((f) => times(f)!));
      const newer = s.inputs.find((f) => (times(f) ?? -Infinity) > oldest);
      if (newer) return { run: true, reason: `${newer} is newer than its outputs` };
      return { run: false, reason: "up to date" };
    };
    const d = decide();
    if (d.run) { for (const f of s.outputs) willWrite.set(f, s.step); }
    const marker = s.resume && times(s.resume.marker);
    const resumes = d.resume && marker !== undefined && !s.inputs.some((f) => (times(f) ?? -Infinity) > marker);
    return {
      ...s,
      args: resumes ? [...s.args, ...s.resume!.args] : s.args,
      run: d.run,
      reason: resumes ? `${d.reason}; resuming from ${s.resume!.marker}` : d.reason,
    };
  });
}

/**
 * The modification times of `paths` as a {@link FileTimes} lookup (missing files: `undefined`).
 *
 * @example
 * ```ts
 * const times = await fileTimes(["deno.json", "no/such/file"]);
 * if (times("deno.json") === undefined || times("no/such/file") !== undefined) throw new Error("stat");
 * ```
 */
export async function fileTimes(paths: Iterable<string>): Promise<FileTimes> {
  const known = new Map<string, number | undefined>();
  for (const f of new Set(paths)) known.set(f, await stat(f).then((s) => s.mtimeMs, () => undefined));
  return (f) => known.get(f);
}

/**
 * What a planned step still lacks to run: an input no step writes and that does not exist (a
 * manifest for `--check`), or the flags a step needs (`--dataset` for prepare, `--name` for card).
 *
 * @example
 * ```ts
 * const steps = pipelineSteps({ run: "r", manifest: "r/manifest.json", out: "model", checks: [], extraArgs: {} });
 * const plan = planPipeline(steps, () => undefined);
 * const problems = planProblems(plan, { dataset: undefined, name: undefined }, () => undefined);
 * if (problems.length !== 2) throw new Error(problems.join("\n")); // --dataset and --name
 * ```
 */
export function planProblems(
  plan: readonly PlannedStep[],
  cfg: Pick<PipelineConfig, "dataset" | "name">,
  times: FileTimes,
): string[] {
  const problems: string[] = [];
  const written = new Set(plan.filter((s) => s.run).flatMap((s) => s.outputs));
  for (const s of plan.filter((s) => s.run)) {
    if (s.step === "prepare" && !cfg.dataset) {
      problems.push(`prepare must write ${s.outputs[0]}: pass --dataset <the downloaded dataset folder>`);
    }
    if (s.step === "card" && !cfg.name) problems.push(`card writes the models: pass --name <model name>, e.g. all-v5`);
    for (const f of s.inputs) {
      if (!written.has(f) && times(f) === undefined && !plan.some((o) => o.outputs.includes(f))) {
        problems.push(`${s.step} reads ${f}, which does not exist`);
      }
    }
  }
  return problems;
}

/**
 * The run-folder files a step writes (relative to the run folder), folders with a trailing `/`
 * and without the files inside them.
 *
 * @example
 * ```ts
 * if (stepFiles("domain").join(" ") !== "domain.json domain_report.json") throw new Error(stepFiles("domain").join());
 * if (stepFiles("baseline").join(" ") !== "colour_baseline/") throw new Error(stepFiles("baseline").join());
 * ```
 */
export function stepFiles(step: StepName): string[] {
  const paths: string[] = Object.values(RUN_FILES).filter((f) => f.step === step).map((f) => f.path);
  const isFolder = (p: string) => paths.some((q) => q.startsWith(`${p}/`));
  const inFolder = (p: string) => paths.some((q) => p.startsWith(`${q}/`));
  return paths.filter((p) => !inFolder(p)).map((p) => (isFolder(p) ? `${p}/` : p));
}
