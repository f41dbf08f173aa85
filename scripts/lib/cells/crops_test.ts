import assert from "node:assert/strict";
import { decodeImage, encodeBmp, type RgbaImage } from "../../../model/core/mod.ts";
import { type ManifestItem, readSplitManifest, type Split, type SplitManifest } from "../data/split_manifest.ts";
import { buildCropManifest, cropCounts, cropSourceFields } from "./crops.ts";
import { writeFieldCrops } from "./make_crops.ts";

/** A pale 96×64 field with purple discs of radius `r` at the given centres. */
function field(discs: [number, number, number][]): RgbaImage {
  const w = 96, h = 64, data = new Uint8Array(w * h * 4).fill(242);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (discs.some(([cx, cy, r]) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r)) {
        data.set([115, 77, 179], (y * w + x) * 4);
      }
    }
  }
  return { width: w, height: h, data };
}

const item = (path: string, subtype: string, split: Split, group: string, view = "original"): ManifestItem => ({
  path,
  label: subtype === "Benign" ? "normal" : "all",
  subtype,
  group,
  split,
  sha256: path,
  view,
  ...(view === "segmented" ? { twinOf: path.replace("segmented/", "original/") } : {}),
});

Deno.test("fields → crop manifest: one item per located cell, label/subtype/group/split from its field, twins left out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // three cells, one, none (blank), two; plus a segmented twin that must not be cropped
    const images: [string, RgbaImage][] = [
      ["original/Pre/p1.bmp", field([[16, 16, 10], [48, 32, 12], [80, 48, 10]])],
      ["original/Benign/b1.bmp", field([[48, 32, 11]])],
      ["original/Benign/b2.bmp", field([])],
      ["original/Early/e1.bmp", field([[20, 20, 10], [70, 40, 12]])],
      ["segmented/Pre/p1.bmp", field([[16, 16, 10]])],
    ];
    for (const [path, img] of images) {
      await Deno.mkdir(`${dir}/src/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.writeFile(`${dir}/src/${path}`, encodeBmp(img));
    }
    const source: SplitManifest = {
      version: 1,
      dataset: "taleqani",
      root: `${dir}/src`,
      created: "2026-01-01T00:00:00Z",
      split: { seed: 1, fractions: { train: 0.5, val: 0.25, test: 0.25 }, method: "blocks" },
      subtypes: ["Benign", "Early", "Pre"],
      counts: {},
      items: [
        item("original/Pre/p1.bmp", "Pre", "train", "Pre:001-020"),
        item("segmented/Pre/p1.bmp", "Pre", "train", "Pre:001-020", "segmented"),
        item("original/Benign/b1.bmp", "Benign", "val", "Benign:021-040"),
        item("original/Benign/b2.bmp", "Benign", "val", "Benign:021-040"),
        item("original/Early/e1.bmp", "Early", "test", "Early:041-060"),
      ],
    };
    const fields = cropSourceFields(source.items, { splits: ["train", "val", "test"] });
    assert.equal(fields.length, 4);
    const results = await writeFieldCrops(fields, { sourceRoot: source.root, outDir: `${dir}/crops` });
    const m = buildCropManifest(source, results, {
      root: `${dir}/crops`,
      created: "2026-01-02T00:00:00Z",
      how: "test",
    });
    await Deno.writeTextFile(`${dir}/cells.json`, JSON.stringify(m));
    const back = await readSplitManifest(`${dir}/cells.json`); // the trainer's reader takes it
    assert.deepEqual(
      back.items.map((i) => [i.path, i.label, i.subtype, i.group, i.split, i.view]),
      [
        ["Pre/p1.c00.bmp", "all", "Pre", "Pre:001-020", "train", "original"],
        ["Pre/p1.c01.bmp", "all", "Pre", "Pre:001-020", "train", "original"],
        ["Pre/p1.c02.bmp", "all", "Pre", "Pre:001-020", "train", "original"],
        ["Benign/b1.c00.bmp", "normal", "Benign", "Benign:021-040", "val", "original"],
        ["Early/e1.c00.bmp", "all", "Early", "Early:041-060", "test", "original"],
        ["Early/e1.c01.bmp", "all", "Early", "Early:041-060", "test", "original"],
      ],
    );
    assert.ok(back.items.every((i) => i.twinOf?.startsWith("original/")));
    assert.equal(back.dataset, "taleqani-cells");
    assert.deepEqual(
      [
        back.counts.train.total,
        back.counts.val["label:normal"],
        back.counts.test["subtype:Early"],
        back.counts.test.groups,
      ],
      [3, 1, 2, 1],
    );
    assert.equal(back.warnings?.length, 1);
    assert.match(back.warnings![0], /original\/Benign\/b2.bmp \(val, Benign\): the locator found no cell/);
    // the hashes are the files'
    const bytes = await Deno.readFile(`${dir}/crops/${back.items[3].path}`);
    const hex = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) =>
      b.toString(16).padStart(2, "0")
    ).join("");
    assert.equal(back.items[3].sha256, hex);
    // the crop is the cell on black: square, 1.4 × the box side (21 px: the opening trims the disc's tips → 29),
    // centre coloured, corner black
    const crop = await decodeImage(bytes);
    assert.deepEqual([crop.width, crop.height], [29, 29]);
    const at = (x: number, y: number) => [...crop.data.subarray((y * 29 + x) * 4, (y * 29 + x) * 4 + 3)];
    assert.deepEqual(at(14, 14), [115, 77, 179]);
    assert.deepEqual(at(0, 0), [0, 0, 0]);

    const counts = cropCounts(results);
    assert.deepEqual(
      counts.map((r) => [r.split, r.subtype, r.fields, r.emptyFields, r.crops, r.min, r.max]),
      [["train", "Pre", 1, 0, 3, 3, 3], ["val", "Benign", 2, 1, 1, 0, 1], ["test", "Early", 1, 0, 2, 2, 2]],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildCropManifest refuses a group on two sides, and records skipped classes", () => {
  const source = {
    version: 1,
    dataset: "taleqani",
    root: "/d",
    created: "",
    split: { seed: 1, fractions: { train: 0.5, val: 0.5, test: 0 }, method: "m" },
    counts: {},
    items: [],
  } as SplitManifest;
  const box = { x: 0, y: 0, width: 5, height: 5 };
  const fc = (path: string, split: Split, group: string) => ({
    field: item(path, "Pre", split, group),
    found: 1,
    capped: false,
    background: "field" as const,
    crops: [{ path: `${path}.c00.bmp`, sha256: "", box, side: 7 }],
  });
  assert.throws(
    () =>
      buildCropManifest(source, [fc("a", "train", "Pre:1"), fc("b", "val", "Pre:1")], {
        root: "/c",
        created: "",
        how: "",
      }),
    /group Pre:1 is on both train and val/,
  );
  const ok = buildCropManifest(source, [fc("a", "train", "Pre:1"), fc("b", "val", "Pre:2")], {
    root: "/c",
    created: "",
    how: "",
    skipped: { Pro: "its crops are wrong" },
  });
  assert.deepEqual(ok.warnings, ["subtype Pro left out: its crops are wrong"]);
  assert.deepEqual(ok.items.map((i) => i.split), ["train", "val"]);
});
