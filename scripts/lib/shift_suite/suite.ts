/**
 * The evaluation shift suite as data: {@link SHIFT_SUITE} lists the identity and, per family, a few
 * strengths at least as strong as issue #13's table; {@link applySuiteShift} applies one to a
 * decoded image at its source resolution; {@link selectSuite} picks shifts by name or family.
 *
 * EVALUATION ONLY (see `families.ts`): never import this folder from the trainer.
 *
 * @module
 */
import type { RgbaImage } from "../../../model/core/mod.ts";
import { colourTemperatureGains, singleChannelGains } from "./channel.ts";
import { applyStep, type ShiftStep } from "./families.ts";
import { copyImage } from "./image.ts";
import { tintColour } from "./tint.ts";

/** The families of the suite. */
export type ShiftFamily =
  | "identity"
  | "hsl-lightness"
  | "hsl-saturation"
  | "hsl-hue"
  | "colour-temperature"
  | "white-balance"
  | "gamma"
  | "stain-haematoxylin"
  | "stain-eosin"
  | "background-tint"
  | "defocus"
  | "magnification"
  | "jpeg"
  | "compound";

/** What a family is and the unit of its `strength`. */
export interface FamilyInfo {
  /** One-line definition. */
  definition: string;
  /** What `SuiteShift.strength` measures for this family (1 / 0 / 100 = unchanged, as stated). */
  strength: string;
}

/** Definition and strength unit of each family (for reports and docs). */
export const SHIFT_FAMILIES: Readonly<Record<ShiftFamily, FamilyInfo>> = {
  "identity": { definition: "no change (the decoded source image)", strength: "none (1)" },
  "hsl-lightness": {
    definition: "HSL lightness × f (ImageMagick -modulate f·100,100,100), HSL saturation kept",
    strength: "f (1 = unchanged)",
  },
  "hsl-saturation": { definition: "HSL saturation × f, clamped to 1", strength: "f (1 = unchanged)" },
  "hsl-hue": { definition: "HSL/HSV hue rotated by δ degrees", strength: "δ in degrees (0 = unchanged)" },
  "colour-temperature": { definition: "R × g, B × 1/g, clipped", strength: "g (1 = unchanged; > 1 warmer)" },
  "white-balance": { definition: "one channel × g, clipped", strength: "g (1 = unchanged)" },
  "gamma": { definition: "out = in^γ on [0, 1]", strength: "γ (1 = unchanged)" },
  "stain-haematoxylin": {
    definition: "Ruifrok–Johnston deconvolution, haematoxylin optical density × a",
    strength: "a (1 = unchanged)",
  },
  "stain-eosin": {
    definition: "Ruifrok–Johnston deconvolution, eosin optical density × b",
    strength: "b (1 = unchanged)",
  },
  "background-tint": {
    definition: "bright background × tint colour, weight smoothstep(0.75, 0.95, luma); warm (1, 1−k/2, 1−k), " +
      "cool (1−k, 1−k/2, 1)",
    strength: "k (0 = unchanged)",
  },
  "defocus": { definition: "Gaussian blur, σ in source pixels, mirrored borders", strength: "σ (0 = unchanged)" },
  "magnification": {
    definition: "× s about the centre, same output size: s > 1 bilinear centre crop, s < 1 area shrink + mirror fill",
    strength: "s (1 = unchanged)",
  },
  "jpeg": { definition: "JPEG re-encode at quality q, decoded by the service's decoder", strength: "q (100 = best)" },
  "compound": { definition: "several steps in order (issue #13's table rows)", strength: "none (1)" },
};

/** One shift of the suite. */
export interface SuiteShift {
  /** The family it belongs to. */
  family: ShiftFamily;
  /** Stable, unique name for tables, JSON and selection, e.g. `hsl-lightness ×0.90`. */
  name: string;
  /** The family's parameter in the unit of `SHIFT_FAMILIES[family].strength`. */
  strength: number;
  /** The steps, applied in order; empty for the identity. */
  params: readonly ShiftStep[];
}

const hsl = (lightness: number, saturation: number, hueDegrees: number): ShiftStep => ({
  kind: "hsl",
  lightness,
  saturation,
  hueDegrees,
});
const signed = (v: number) => (v > 0 ? `+${v}` : `${v}`);

function build(): SuiteShift[] {
  const s: SuiteShift[] = [{ family: "identity", name: "identity", strength: 1, params: [] }];
  for (const f of [0.9, 0.95, 1.05]) {
    s.push({ family: "hsl-lightness", name: `hsl-lightness ×${f.toFixed(2)}`, strength: f, params: [hsl(f, 1, 0)] });
  }
  for (const f of [0.85, 1.15]) {
    s.push({ family: "hsl-saturation", name: `hsl-saturation ×${f.toFixed(2)}`, strength: f, params: [hsl(1, f, 0)] });
  }
  for (const d of [-10, -5, 5, 10]) {
    s.push({ family: "hsl-hue", name: `hsl-hue ${signed(d)}°`, strength: d, params: [hsl(1, 1, d)] });
  }
  for (const g of [1.08, 0.92]) {
    s.push({
      family: "colour-temperature",
      name: `colour-temperature g=${g.toFixed(2)}`,
      strength: g,
      params: [{ kind: "gains", gains: colourTemperatureGains(g) }],
    });
  }
  for (const c of ["R", "G", "B"] as const) {
    s.push({
      family: "white-balance",
      name: `white-balance ${c}×0.92`,
      strength: 0.92,
      params: [{ kind: "gains", gains: singleChannelGains(c, 0.92) }],
    });
  }
  for (const g of [0.8, 1.2]) {
    s.push({ family: "gamma", name: `gamma ${g.toFixed(1)}`, strength: g, params: [{ kind: "gamma", gamma: g }] });
  }
  for (
    const [family, key, label] of [["stain-haematoxylin", "haematoxylin", "H"], ["stain-eosin", "eosin", "E"]] as const
  ) {
    for (const a of [0.8, 1.25]) {
      const step: ShiftStep = { kind: "stain", haematoxylin: 1, eosin: 1, [key]: a };
      s.push({ family, name: `stain ${label} OD ×${a.toFixed(2)}`, strength: a, params: [step] });
    }
  }
  for (const kind of ["warm", "cool"] as const) {
    for (const k of [0.05, 0.1]) {
      s.push({
        family: "background-tint",
        name: `background-tint ${kind} ${Math.round(k * 100)}%`,
        strength: k,
        params: [{ kind: "tint", tint: tintColour(kind, k), lo: 0.75, hi: 0.95 }],
      });
    }
  }
  for (const sigma of [1, 2]) {
    s.push({ family: "defocus", name: `defocus σ=${sigma}`, strength: sigma, params: [{ kind: "blur", sigma }] });
  }
  for (const m of [0.75, 0.9, 1.1, 1.25]) {
    s.push({
      family: "magnification",
      name: `magnification ×${m.toFixed(2)}`,
      strength: m,
      params: [{ kind: "magnify", scale: m }],
    });
  }
  for (const q of [95, 75, 60, 50]) {
    s.push({ family: "jpeg", name: `jpeg q${q}`, strength: q, params: [{ kind: "jpeg", quality: q }] });
  }
  s.push(
    { family: "compound", name: "compound lightness ×0.95 + hue -5°", strength: 1, params: [hsl(0.95, 1, -5)] },
    {
      family: "compound",
      name: "compound lightness ×1.05 + saturation ×0.85",
      strength: 1,
      params: [hsl(1.05, 0.85, 0)],
    },
    {
      family: "compound",
      name: "compound gamma 1.2 + defocus σ=1 + magnification ×0.75 + jpeg q60",
      strength: 1,
      params: [
        { kind: "gamma", gamma: 1.2 },
        { kind: "blur", sigma: 1 },
        { kind: "magnify", scale: 0.75 },
        { kind: "jpeg", quality: 60 },
      ],
    },
  );
  return s;
}

/**
 * The suite: the identity first, then every family's strengths, then issue #13's compound rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(SHIFT_SUITE[0].name, "identity");
 * assert.ok(SHIFT_SUITE.some((s) => s.name === "hsl-lightness ×0.90"));
 * ```
 */
export const SHIFT_SUITE: readonly SuiteShift[] = Object.freeze(build());

/**
 * Applies a suite shift's steps in order to a decoded image and returns a new image of the same
 * size (the identity returns an identical copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = { width: 1, height: 1, data: new Uint8Array([240, 235, 245, 255]) };
 * const shift = selectSuite(["hsl-lightness ×0.90"])[0];
 * assert.deepEqual([...(await applySuiteShift(img, shift)).data], [216, 203, 229, 255]);
 * ```
 */
export async function applySuiteShift(img: RgbaImage, shift: SuiteShift): Promise<RgbaImage> {
  let out = shift.params.length === 0 ? copyImage(img) : img;
  for (const step of shift.params) out = await applyStep(out, step);
  return out;
}

/** Lower case, "x" before a digit as "×", Unicode minus as "-", spaces squeezed. */
function canonical(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, " ").replace(/x(?=\d)/g, "×").replace(/\u2212/g, "-");
}

/**
 * The suite shifts named by `names`, in suite order, each once. A name is a shift's name (case and
 * spacing ignored; `x` may stand for `×`) or a family name, which selects all its strengths.
 * Throws, listing the valid families and names, on an unknown name or an empty list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(selectSuite(["jpeg q50", "identity"]).map((s) => s.name), ["identity", "jpeg q50"]);
 * assert.equal(selectSuite(["defocus"]).length, 2); // a family: all its strengths
 * assert.throws(() => selectSuite(["sharpen"]), /unknown shift "sharpen"/);
 * ```
 */
export function selectSuite(names: readonly string[], suite: readonly SuiteShift[] = SHIFT_SUITE): SuiteShift[] {
  const valid = () =>
    `valid families: ${[...new Set(suite.map((s) => s.family))].join(", ")}; valid names: ${
      suite.map((s) => `"${s.name}"`).join(", ")
    }`;
  if (names.length === 0) throw new Error(`selectSuite: name at least one shift or family; ${valid()}`);
  const chosen = new Set<SuiteShift>();
  for (const name of names) {
    const key = canonical(name);
    const hits = suite.filter((s) => canonical(s.name) === key || s.family === key);
    if (hits.length === 0) throw new Error(`selectSuite: unknown shift "${name}"; ${valid()}`);
    for (const h of hits) chosen.add(h);
  }
  return suite.filter((s) => chosen.has(s));
}
