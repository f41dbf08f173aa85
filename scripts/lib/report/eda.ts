/**
 * The EDA report: reads every manifest image once, then writes charts (counts, colour
 * histograms, colour scatter), sample montages and mean images per class, `eda.json` with the
 * numbers, and `index.html` tying them together.
 *
 * @module
 */
import { join } from "node:path";
import { imageStats, toFloatRgb } from "../../../model/core/mod.ts";
import type { RgbaImage } from "../../../model/core/mod.ts";
import type { SplitManifest } from "../data/split_manifest.ts";
import { colourHistogramChart, colourScatterChart, countsChart, groupDriftChart } from "./eda_charts.ts";
import {
  balanceRows,
  classOf,
  classSeparability,
  type ClassSeparabilityRow,
  colourSeparability,
  countRows,
  type ImageRecord,
  type SeparabilityRow,
  sizeRows,
  spreadSample,
} from "./eda_data.ts";
import { fileLoader, type ImageLoader, ReportWriter, safeName } from "./files.ts";
import { escapeHtml, figure, formatNumber, page, type Section, table } from "./html.ts";
import {
  addToMean,
  floatToRgba,
  type MeanAccumulator,
  meanOf,
  montage,
  pixelStdOf,
  resizeSpec,
  thumbnail,
} from "./images.ts";

/** Options of {@link buildEdaReport}. */
export interface EdaOptions {
  /** Output folder (created). */
  outDir: string;
  /** Manifest file name, for the page's header. */
  manifestPath?: string;
  /** Images in each class's sample montage (default 16). */
  samplesPerClass?: number;
  /** Side of a montage tile in pixels (default 96). */
  tile?: number;
  /** Side of the mean images (default 128). */
  meanSize?: number;
  /** Images are measured at most at this side (area-resized when larger; default 256). */
  statsSize?: number;
  /** Measure at most this many images per view and class (evenly spread; default all). */
  maxPerClass?: number;
  /** Reads images; default {@link fileLoader} on the manifest root. */
  load?: ImageLoader;
  /** Progress messages (default none). */
  log?: (msg: string) => void;
  /**
   * AUROC (all vs normal, test split) of a colour-only model (scripts/colour_baseline.ts), quoted in
   * the colour caveat when given.
   */
  colourBaseline?: { auroc: number; ci95?: [number, number]; source: string };
}

/** What {@link buildEdaReport} wrote and computed. */
export interface EdaResult {
  html: string;
  files: string[];
  records: ImageRecord[];
  separability: SeparabilityRow[];
  classSeparability: ClassSeparabilityRow[];
  /** True when colour alone separates all from normal or one class from the rest (see the caveat). */
  colourShortcut: boolean;
}

/**
 * Builds the EDA report for a manifest into `opts.outDir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
 * // `deno task report:eda` reads runs/<dataset>/manifest.json; here two fixture images
 * const item = (path: string, label: "all" | "normal", split: "train" | "test"): ManifestItem =>
 *   ({ path, label, split, group: path, sha256: "", view: "original" });
 * const manifest: SplitManifest = {
 *   version: 1, dataset: "fixtures", root: `${Deno.cwd()}/tests/fixtures/images`, created: "",
 *   split: { seed: 1, fractions: { train: 0.5, val: 0, test: 0.5 }, method: "by hand" }, counts: {},
 *   items: [
 *     item("taleqani_Benign_WBC-Benign-001.jpg", "normal", "train"),
 *     item("taleqani_Early_WBC-Malignant-Early-001.jpg", "all", "test"),
 *   ],
 * };
 * const outDir = await Deno.makeTempDir();
 * const r = await buildEdaReport(manifest, { outDir, tile: 32, meanSize: 32 });
 * assert.equal(r.html, `${outDir}/index.html`);
 * assert.equal(r.records.length, 2);
 * await Deno.remove(outDir, { recursive: true });
 * ```
 */
export async function buildEdaReport(manifest: SplitManifest, opts: EdaOptions): Promise<EdaResult> {
  const load = opts.load ?? fileLoader(manifest.root);
  const log = opts.log ?? (() => {});
  const tile = opts.tile ?? 96;
  const meanSize = opts.meanSize ?? 128;
  const statsSize = opts.statsSize ?? 256;
  const out = await new ReportWriter(opts.outDir).init();
  const items = manifest.items;
  if (items.length === 0) throw new Error("the manifest has no items: nothing to report");

  const classes = [...new Set(items.map(classOf))].sort();
  const views = [...new Set(items.map((i) => i.view))].sort((
    a,
    b,
  ) => (a === "original" ? -1 : b === "original" ? 1 : a.localeCompare(b)));
  const measured = opts.maxPerClass
    ? views.flatMap((v) =>
      classes.flatMap((c) => spreadSample(items.filter((i) => i.view === v && classOf(i) === c), opts.maxPerClass!))
    )
    : items;
  const sampleSet = new Map<string, string>(); // path → class, originals (or the first view) only
  const sampleView = views[0];
  for (const c of classes) {
    for (
      const it of spreadSample(
        items.filter((i) => i.view === sampleView && classOf(i) === c),
        opts.samplesPerClass ?? 16,
      )
    ) sampleSet.set(it.path, c);
  }

  const records: ImageRecord[] = [];
  const means = new Map<string, MeanAccumulator>();
  const tiles = new Map<string, RgbaImage[]>();
  for (const [k, it] of measured.entries()) {
    if (k % 500 === 0) log(`eda: image ${k + 1}/${measured.length}`);
    const { image, bytes } = await load(it.path);
    const side = Math.min(statsSize, Math.max(image.width, image.height));
    const cls = classOf(it);
    records.push({
      path: it.path,
      split: it.split,
      view: it.view,
      label: it.label,
      cls,
      format: image.format,
      width: image.width,
      height: image.height,
      bytes,
      stats: imageStats(toFloatRgb(image, resizeSpec(side))),
    });
    const key = `${it.view}\u0000${cls}`;
    means.set(key, addToMean(means.get(key), toFloatRgb(image, resizeSpec(meanSize))));
    if (sampleSet.has(it.path)) tiles.set(cls, [...(tiles.get(cls) ?? []), thumbnail(image, tile)]);
  }
  // Sample images not among the measured ones (with maxPerClass) are loaded here.
  const measuredPaths = new Set(measured.map((i) => i.path));
  for (const [path, cls] of sampleSet) {
    if (!measuredPaths.has(path)) {
      tiles.set(cls, [...(tiles.get(cls) ?? []), thumbnail((await load(path)).image, tile)]);
    }
  }

  log("eda: charts");
  const counts = countRows(items);
  const balance = balanceRows(items);
  const sizes = sizeRows(records);
  const originals = records.filter((r) => r.view === sampleView);
  const separability = colourSeparability(originals);
  const countsPng = await out.chart("counts.png", countsChart(counts));
  const histPngs: { view: string; file: string }[] = [];
  for (const v of views) {
    const rs = records.filter((r) => r.view === v);
    histPngs.push({
      view: v,
      file: await out.chart(
        `colour_hist_${safeName(v)}.png`,
        colourHistogramChart(rs, `Per-image colour statistics by class (${v} images)`),
      ),
    });
  }
  const perClass = classSeparability(originals);
  // Scatter axes: the two colour statistics that single out classes most often / most strongly.
  const axisScore = new Map<string, number>();
  for (const stat of ["meanR", "meanG", "meanB", "stdR", "stdG", "stdB"]) {
    const bestAll = separability.find((x) => x.stat === stat)?.separation ?? 0.5;
    axisScore.set(stat, bestAll + perClass.filter((c) => c.stat === stat).reduce((a, c) => a + c.separation, 0));
  }
  const top = [...axisScore.entries()].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([stat]) => stat);
  const scatterPng = originals.length > 1
    ? await out.chart("colour_scatter.png", colourScatterChart(originals, top[0], top[1]))
    : undefined;
  const caveat = colourCaveat(separability, perClass, opts.colourBaseline);
  const groupOf = new Map(items.map((i) => [i.path, i.group]));
  const driftStat = perClass[0]?.stat ?? separability[0]?.stat;
  const driftPng = driftStat && originals.length > 1
    ? await out.chart("colour_by_group.png", groupDriftChart(originals, groupOf, driftStat))
    : undefined;
  const samplePngs: { cls: string; file: string; n: number }[] = [];
  for (const c of classes) {
    const t = tiles.get(c) ?? [];
    if (t.length) {
      samplePngs.push({ cls: c, n: t.length, file: await out.image(`samples_${safeName(c)}.png`, montage(t, 8)) });
    }
  }
  const meanPngs: { view: string; cls: string; n: number; file: string; stdFile: string; constantShare: number }[] = [];
  for (const [key, acc] of means) {
    const [view, cls] = key.split("\u0000");
    const std = pixelStdOf(acc, PIXEL_STD_SCALE, CONSTANT_PIXEL_STD);
    meanPngs.push({
      view,
      cls,
      n: acc.count,
      file: await out.image(`mean_${safeName(view)}_${safeName(cls)}.png`, floatToRgba(meanOf(acc))),
      stdFile: await out.image(`pixelstd_${safeName(view)}_${safeName(cls)}.png`, floatToRgba(std.image)),
      constantShare: std.constantShare,
    });
  }
  meanPngs.sort((a, b) => views.indexOf(a.view) - views.indexOf(b.view) || a.cls.localeCompare(b.cls));
  const constantPixels = meanPngs.map((m) => ({ view: m.view, cls: m.cls, n: m.n, constantShare: m.constantShare }));
  await out.json("eda.json", {
    manifest: opts.manifestPath ?? null,
    dataset: manifest.dataset,
    counts,
    balance,
    sizes,
    separability,
    classSeparability: perClass,
    constantPixels,
    colourBaseline: opts.colourBaseline ?? null,
    colourShortcut: caveat.strong,
    measured: records.length,
  });

  const sections: Section[] = [
    {
      id: "counts",
      title: "Counts and class balance",
      html: [
        figure(
          countsPng,
          "bar chart of image counts per class and split",
          "Images per class (label in brackets) and split; extra views (e.g. segmented twins) are training-only copies of originals and are counted separately.",
        ),
        table(
          ["split", "view", "all", "normal", "share all", "all : normal", "split groups"],
          balance.map((
            b,
          ) => [
            b.split,
            b.view,
            b.all,
            b.normal,
            b.allFraction,
            Number.isFinite(b.ratio) ? `${b.ratio.toFixed(2)} : 1` : "no normal",
            b.groups,
          ]),
          "Label balance per split",
        ),
        table(
          ["split", "view", "label", "class", "images"],
          counts.map((c) => [c.split, c.view, c.label, c.cls, c.count]),
          "Counts per class",
        ),
        manifest.dropped?.length
          ? `<p>${manifest.dropped.length} files were left out by prepare_data (${
            escapeHtml(summariseDropped(manifest))
          }).</p>`
          : "",
      ].join("\n"),
    },
    {
      id: "samples",
      title: "Sample images per class",
      html: samplePngs.map((s) =>
        figure(
          s.file,
          `sample ${s.cls} images`,
          `${s.cls}: ${s.n} ${sampleView} images spread evenly over the file list (all splits), shown at ${tile}×${tile}.`,
        )
      ).join("\n"),
    },
    {
      id: "means",
      title: "Mean image and pixel variation per class",
      html: [
        `<p>Pixel-wise mean of every measured image of the class, resized to ${meanSize}×${meanSize}. A class whose mean has a different tint or background than the others can be told apart by colour alone.</p>`,
        gallery(meanPngs.map((m) => ({ file: m.file, caption: `mean ${m.cls} (${m.view}), n=${m.n}` }))),
        `<p>Per-pixel standard deviation across the same images (white: std ≥ ${PIXEL_STD_SCALE}). Dark, sharp shapes are pixels that look the same in nearly every image of the class: a burned-in scale bar, label, border or mask. If such a shape differs between classes, a model can find the class from it without looking at any cell.</p>`,
        gallery(meanPngs.map((m) => ({ file: m.stdFile, caption: `pixel std ${m.cls} (${m.view})` }))),
        constantCaveat(constantPixels),
        table(
          ["view", "class", "images", "near-constant pixels (std < " + CONSTANT_PIXEL_STD + ")"],
          constantPixels.map((c) => [c.view, c.cls, c.n, `${(100 * c.constantShare).toFixed(2)}%`]),
          "Share of pixels that hardly vary within the class",
        ),
      ].join("\n"),
    },
    {
      id: "colour",
      title: "Colour statistics and the colour-shortcut caveat",
      html: [
        caveat.html,
        ...histPngs.map((h) =>
          figure(
            h.file,
            `colour histograms ${h.view}`,
            `Histograms of each image's per-channel mean and standard deviation (RGB scaled to [0, 1], image resized to at most ${statsSize} px) for ${h.view} images, one line per class.`,
          )
        ),
        scatterPng
          ? figure(
            scatterPng,
            "colour scatter",
            `Each dot is one ${sampleView} image, placed by two colour statistics that single out classes best (${
              top[0]
            }, ${top[1]}).`,
          )
          : "",
        driftPng
          ? figure(
            driftPng,
            "colour statistic by split group",
            `${driftStat} (the statistic that singles out a class best) for every ${sampleView} image, grouped by split group (the unit prepare_data keeps on one side of the split). Jumps between neighbouring groups are acquisition batches; val or test groups outside the range of the train groups are a colour shift the model meets only at test time.`,
          )
          : "",
        table(
          ["statistic", "AUROC (all vs normal)", "separation", "all when", "mean all", "mean normal"],
          separability.map((s) => [s.stat, s.auroc, s.separation, s.direction, s.meanAll, s.meanNormal]),
          `How well one number alone separates all from normal (${sampleView} images)`,
        ),
        table(
          ["class", "images", "best single statistic", "separation (one-vs-rest AUROC)", "class when"],
          perClass.map((c) => [c.cls, c.n, c.stat, c.separation, c.direction]),
          `How well one number alone singles out each class from all other ${sampleView} images`,
        ),
      ].join("\n"),
    },
    {
      id: "sizes",
      title: "Image sizes and formats",
      html: table(
        ["view", "class", "images", "pixel size and format", "median KiB", "min KiB", "max KiB"],
        sizes.map((s) => [s.view, s.cls, s.n, s.sizes, s.medianKiB, s.minKiB, s.maxKiB]),
      ),
    },
  ];
  const meta = `dataset ${manifest.dataset}; manifest ${
    opts.manifestPath ?? "(in memory)"
  }; root ${manifest.root}; ${items.length} items, ${records.length} measured; split: ${manifest.split.method}`;
  const html = await out.write("index.html", page(`EDA: ${manifest.dataset}`, meta, sections));
  return {
    html: join(opts.outDir, html),
    files: out.files,
    records,
    separability,
    classSeparability: perClass,
    colourShortcut: caveat.strong,
  };
}

function summariseDropped(m: SplitManifest): string {
  const by = new Map<string, number>();
  for (const d of m.dropped ?? []) by.set(d.reason, (by.get(d.reason) ?? 0) + 1);
  return [...by.entries()].map(([r, n]) => `${r}: ${n}`).join(", ");
}

/** Pixel std shown as white in the pixel-variation images. */
const PIXEL_STD_SCALE = 0.25;
/** Pixel std below which a pixel counts as the same in every image. */
const CONSTANT_PIXEL_STD = 0.02;

/**
 * A caveat naming classes whose images share many near-constant pixels (≥ 1% and ≥ 10× the median
 * class of the same view): a mask, border or overlay that only that class has.
 */
function constantCaveat(rows: readonly { view: string; cls: string; constantShare: number }[]): string {
  const odd = rows.filter((r) => {
    const shares = rows.filter((x) => x.view === r.view).map((x) => x.constantShare).sort((a, b) => a - b);
    const median = shares[Math.floor((shares.length - 1) / 2)];
    return shares.length > 1 && r.constantShare >= 0.01 && r.constantShare >= 10 * median;
  });
  if (odd.length === 0) return "";
  return `<div class="caveat"><b>Caveat: class-specific constant pixels.</b> ${
    odd.map((r) => `${escapeHtml(r.cls)} (${escapeHtml(r.view)}): ${(100 * r.constantShare).toFixed(1)}%`).join(", ")
  } of pixels are nearly the same in every image of the class, far more than in the other classes of the same view. Look at these images: a mask, border, background or overlay that only one class has is a shortcut a model will learn.</div>`;
}

function gallery(items: readonly { file: string; caption: string }[]): string {
  return `<div class="gallery">${
    items.map((i) =>
      `<figure><img src="${escapeHtml(i.file)}" alt="${escapeHtml(i.caption)}"><figcaption>${
        escapeHtml(i.caption)
      }</figcaption></figure>`
    ).join("")
  }</div>`;
}

/** Separation (AUROC) from which a one-number colour rule counts as a shortcut. */
const SHORTCUT_ALL = 0.8;
const SHORTCUT_CLASS = 0.9;
const SHORTCUT_BASELINE = 0.9;

function colourCaveat(
  sep: readonly SeparabilityRow[],
  perClass: readonly ClassSeparabilityRow[],
  baseline: EdaOptions["colourBaseline"],
): { html: string; strong: boolean } {
  const best = sep[0];
  if (!best || Number.isNaN(best.separation)) return { html: "", strong: false };
  const facts: string[] = [];
  facts.push(
    `The single statistic <code>${escapeHtml(best.stat)}</code> separates all from normal with an AUROC of ${
      formatNumber(best.separation)
    }, with no model at all.`,
  );
  const distinct = perClass.filter((c) => c.separation >= SHORTCUT_CLASS);
  if (distinct.length) {
    facts.push(
      `${
        distinct.map((c) => `${escapeHtml(c.cls)} (${escapeHtml(c.stat)}, ${formatNumber(c.separation)})`).join(", ")
      } ${
        distinct.length === 1 ? "is" : "are"
      } singled out from all other images by one colour number (one-vs-rest AUROC ≥ ${SHORTCUT_CLASS}).`,
    );
  }
  if (baseline) {
    const ci = baseline.ci95 ? ` [${formatNumber(baseline.ci95[0])}, ${formatNumber(baseline.ci95[1])}]` : "";
    facts.push(
      `A colour-only model (${escapeHtml(baseline.source)}) reaches a test AUROC of ${
        formatNumber(baseline.auroc)
      }${ci}.`,
    );
  }
  const strong = best.separation >= SHORTCUT_ALL || distinct.length > 0 ||
    (baseline !== undefined && baseline.auroc >= SHORTCUT_BASELINE);
  const advice = strong
    ? "Stain, camera or acquisition batch differ between classes, so a network can score well by learning colour instead of cell morphology, and its test metrics then say little about new slides. Compare the model with the colour baseline, check it under colour shifts, and do not read high test metrics as proof of morphological skill."
    : "No single colour statistic separates the classes strongly.";
  return {
    html: `<div class="caveat"><b>${strong ? "Caveat: colour alone separates the classes." : "Colour check."}</b> ${
      facts.join(" ")
    } ${advice}</div>`,
    strong,
  };
}
