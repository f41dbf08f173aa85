/**
 * The input-domain check of the cards the card step writes (`scripts/card.ts`), so that a model is
 * never exported without its safety net by accident. In order:
 *
 * 1. `--domain FILE`: that check;
 * 2. the run folder's `domain.json` (`deno task domain`, which the pipeline runs before the card);
 * 3. otherwise it is fitted now, as the domain step fits it ({@link fitFeatureDomain}: the
 *    feature distance and the sanity ranges, on the manifest's train and val originals, with the
 *    run's int8 model), and a fit that cannot be made (images not readable, a model without a
 *    features output) stops the step, saying to pass the data or `--no-domain`;
 * 4. `--no-domain` (explicit opt-out) skips 1–3: the card then has no `domain` and says so in
 *    `noDomainCheck` and in its `limits` ({@link withNoDomainCheck}); the service warns about it.
 *
 * @module
 */
import { type DomainCheck, loadModelFile, type ModelCardFields, type ModelRuntime } from "../../../model/core/mod.ts";
import type { SplitManifest } from "../data/split_manifest.ts";
import { fitFeatureDomain } from "../domain/feature_fit.ts";
import { StepError } from "../run/cli.ts";
import { readRunJson, readRunJsonAt, runPath } from "../run/run_folder.ts";

/** What the card of a model exported without an input-domain check says (`noDomainCheck`, and a limit). */
export const NO_DOMAIN_NOTE =
  "Exported with --no-domain: no input-domain check, so images unlike the training images (other labs, other framings, not microscopy) get an answer instead of review.";

/** Where the card's check came from. */
export type DomainSource = "flag" | "run" | "fitted" | "none";

/** Options of {@link cardDomain}. */
export interface CardDomainOptions {
  /** The run folder. */
  run: string;
  /** Its split manifest (the fit reads its train and val originals). */
  manifest: SplitManifest;
  /** `--domain FILE`. */
  domainFile?: string;
  /** `--no-domain`. */
  noDomain?: boolean;
  /** Progress and decisions, one line each. */
  log?: (s: string) => void;
  /** Opens the model the check is fitted with (default: the run's int8 model on onnxruntime-node). */
  loadModel?: () => Promise<ModelRuntime>;
}

/**
 * The card's input-domain check, and where it came from (see the module doc).
 *
 * @example The run folder's `domain.json`, when the domain step wrote one
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { fixtureManifest } from "../../../tests/helpers/domain_manifest.ts";
 * const run = await mkdtemp(join(tmpdir(), "run-"));
 * await writeFile(join(run, "domain.json"), JSON.stringify({ ranges: { stdR: [0.01, 0.4] } }));
 * const { domain, source } = await cardDomain({ run, manifest: fixtureManifest() });
 * assert.deepEqual([source, domain?.ranges.stdR], ["run", [0.01, 0.4]]);
 * assert.deepEqual(await cardDomain({ run, manifest: fixtureManifest(), noDomain: true }), { source: "none" });
 * ```
 */
export async function cardDomain(opts: CardDomainOptions): Promise<{ domain?: DomainCheck; source: DomainSource }> {
  const { run, log = () => {} } = opts;
  const runFile = runPath(run, "domain");
  if (opts.noDomain) {
    if (opts.domainFile !== undefined) {
      throw new StepError(`--domain and --no-domain contradict each other: pass one of them`);
    }
    log(
      `card: no input-domain check (--no-domain), recorded in the card's "noDomainCheck" and limits` +
        (await readRunJson(run, "domain", { optional: true }) ? `; ${runFile} is left out` : ""),
    );
    return { source: "none" };
  }
  if (opts.domainFile !== undefined) {
    const domain = await readRunJsonAt(opts.domainFile, "domain", { run });
    log(`card: the input-domain check from ${opts.domainFile}`);
    return { domain, source: "flag" };
  }
  const fromRun = await readRunJson(run, "domain", { optional: true });
  if (fromRun) {
    log(`card: the input-domain check from ${runFile}`);
    return { domain: fromRun, source: "run" };
  }
  const modelFile = runPath(run, "int8Model");
  log(
    `card: no ${runFile} (deno task domain): fitting the input-domain check now, as the domain step does ` +
      `(feature distance + sanity ranges on the manifest's train and val originals, with ${modelFile})`,
  );
  let model: ModelRuntime | undefined;
  try {
    model = await (opts.loadModel ?? (() => loadModelFile(modelFile, { backend: "node" })))();
    const { domain } = await fitFeatureDomain(model, opts.manifest, { log });
    log(
      `card: fitted the input-domain check: ${domain.features.dims} features from ` +
        `${domain.features.fitted.images} train images, threshold ${domain.features.threshold.toFixed(3)} ` +
        `(the ${domain.features.fitted.quantile} quantile of ${domain.features.fitted.validationImages} val images)`,
    );
    return { domain, source: "fitted" };
  } catch (err) {
    throw new StepError(
      `cannot fit the input-domain check for the card (${(err as Error).message}). Make the manifest's ` +
        `images readable (the dataset under ${opts.manifest.root}), or fit it with \`deno task domain ` +
        `--features\` and pass --domain FILE, or pass --no-domain to write the card without one (recorded in ` +
        `the card, and the service warns)`,
    );
  } finally {
    await model?.close();
  }
}

/**
 * A card's fields marked as exported without an input-domain check: no `domain`, the
 * {@link NO_DOMAIN_NOTE} in `noDomainCheck` and as the last limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModelCard } from "../../../model/core/mod.ts";
 * import { TEST_CARD_FIELDS } from "../../../tests/helpers/card_fields.ts";
 * const fields = withNoDomainCheck({ ...TEST_CARD_FIELDS, domain: { ranges: { stdR: [0, 1] } } });
 * const card = await buildModelCard(fields, new Uint8Array([1, 2, 3]));
 * assert.equal(card.domain, undefined);
 * assert.equal(card.noDomainCheck, NO_DOMAIN_NOTE);
 * assert.equal(card.limits?.at(-1), NO_DOMAIN_NOTE);
 * ```
 */
export function withNoDomainCheck(fields: ModelCardFields): ModelCardFields {
  const { domain: _domain, ...rest } = fields;
  const limits = (fields.limits as string[] | undefined) ?? [];
  return { ...rest, noDomainCheck: NO_DOMAIN_NOTE, limits: [...limits, NO_DOMAIN_NOTE] };
}
