import assert from "node:assert/strict";
import {
  compareFolds,
  type FoldScores,
  formatFoldsTable,
  formatShiftTable,
  nearestTestFold,
  poolFolds,
  poolShifted,
  summarizeShifts,
} from "./folds.ts";

/** A fold whose ALL logits are `all` and normal logits `normal`, in blocks of two images. */
function fold(name: string, all: number[], normal: number[], temperature = 1, threshold = 0.5): FoldScores {
  const rows = [
    ...all.map((z, i) => ({ path: `${name}/all${i}`, positive: true, logits: [z], group: `${name}:a${i >> 1}` })),
    ...normal.map((z, i) => ({ path: `${name}/n${i}`, positive: false, logits: [z], group: `${name}:n${i >> 1}` })),
  ];
  return { name, rows, temperature, operatingPoint: { threshold, reviewBand: [threshold, threshold] } };
}

Deno.test("poolFolds: a fold whose scores sit higher than the others' is read in-sample as clean, across as it would be answered", () => {
  // folds a and b overlap a little (an ALL image at logit −1, a normal one at 2): their operating point
  // answers `normal` below −1, `all` above 2, and sends [−1, 2] to review, whatever the temperature.
  // Fold c: every logit +3 (new patients that look more ALL-like); its own evaluation put its
  // threshold (0.85, logit 1.73) where its own block looks clean
  const base = { all: [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9], normal: [-9, -8, -7, -6, -5, -4, -3, -2, -1, 2] };
  const a = fold("a", base.all, base.normal), b = fold("b", base.all, base.normal);
  const c = fold("c", base.all.map((v) => v + 3), base.normal.map((v) => v + 3), 1, 0.85);
  const report = poolFolds([a, b, c], { resamples: 200 });
  const of = (
    r: { allAnsweredNormal: number; normalAnsweredNormal: number; normalAnsweredAll: number; review: number },
  ) => [r.allAnsweredNormal, r.normalAnsweredNormal, r.normalAnsweredAll, r.review];
  // in-sample, c: normals −6…1 answered `normal`, 2 and 5 `all`; no review
  assert.deepEqual(of(report.own[2]), [0, 8, 2, 0]);
  // across, c gets a and b's point: normals −6…−2 `normal`, −1…2 review, 5 `all`; its ALL at 2 review
  assert.deepEqual(of(report.across[2]), [0, 5, 1, 5], JSON.stringify(report.across[2]));
  assert.equal(report.across[0].allAnsweredNormal, 0);
  // a looser rule (threshold and band's low edge at sensitivity 0.9: logit 1 on a and b) answers
  // c's normals −6…0 `normal`, 1 and 2 review, 5 `all`; its ALL at 2 still review
  const loose = poolFolds([a, b, c], { targetSensitivity: 0.9, bandSensitivity: 0.9, resamples: 50 });
  assert.deepEqual(of(loose.across[2]), [0, 7, 1, 3], JSON.stringify(loose.across[2]));
  assert.deepEqual(of(loose.own[2]), of(report.own[2]), "the own-block rows keep the runs' evaluations");
  // pooled counts are the sum of the across rows
  assert.equal(report.pooled.normalAnsweredNormal, report.across.reduce((s, r) => s + r.normalAnsweredNormal, 0));
  assert.equal(report.pooled.all + report.pooled.normal, 60);
  const [lo, hi] = report.pooled.intervals.normalAnsweredNormal;
  const share = report.pooled.normalAnsweredNormal / report.pooled.normal;
  assert.ok(lo <= share && share <= hi && hi - lo > 0, `interval [${lo}, ${hi}] around ${share}`);
  const table = formatFoldsTable(report);
  assert.match(
    table,
    /\| c \| fitted on the other folds \| 0\.0% \(0\/10\) \| 50\.0% \(5\/10\) \| 10\.0% \(1\/10\) \| 25\.0% \(5\/20; ALL 10\.0%, benign 40\.0%\) \|/,
  );
});

Deno.test("poolFolds: refuses an image that is val in two folds, a fold without both classes, and a single fold", () => {
  const a = fold("a", [1, 2], [-1, -2]);
  const dup = { ...fold("b", [1, 2], [-1, -2]), rows: [...fold("b", [1, 2], [-1, -2]).rows, a.rows[0]] };
  assert.throws(() => poolFolds([a, dup]), /a\/all0 is val in two folds \(a and b\)/);
  assert.throws(() => poolFolds([a, fold("b", [1, 2], [])]), /fold b: its val block needs both ALL and normal images/);
  assert.throws(() => poolFolds([a]), /at least 2 folds, got 1/);
});

Deno.test("poolFolds: an ensemble's folds answer with every temperature fitted on the other folds", () => {
  const base = { all: [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9], normal: [-9, -8, -7, -6, -5, -4, -3, -2, -1, 2] };
  const single = [fold("a", base.all, base.normal), fold("b", base.all, base.normal)];
  single.push(fold("c", base.all.map((v) => v + 3), base.normal.map((v) => v + 3)));
  // the same scores as two members, the second 4× as sharp: its temperature is 4× the first's, so
  // the members' mean of logit / temperature ranks and answers exactly as the single run
  const pair = (f: FoldScores): FoldScores => ({
    name: `${f.name}+${f.name}2`,
    rows: f.rows.map((r) => ({ ...r, logits: [r.logits[0], 4 * r.logits[0]] })),
  });
  const one = poolFolds(single, { resamples: 50 }), two = poolFolds(single.map(pair), { resamples: 50 });
  const of = (
    r: { allAnsweredNormal: number; normalAnsweredNormal: number; normalAnsweredAll: number; review: number },
  ) => [r.allAnsweredNormal, r.normalAnsweredNormal, r.normalAnsweredAll, r.review];
  assert.deepEqual(two.across.map(of), one.across.map(of));
  assert.deepEqual(of(two.across[2]), [0, 5, 1, 5], "c answered with a and b's point");
  const [t1, t2] = two.fitted.memberTemperatures;
  assert.ok(Math.abs(t2 / t1 - 4) < 1e-4, `member temperatures ${t1}, ${t2}`);
  assert.deepEqual(one.fitted.memberTemperatures, [1]);
  // without an evaluation of its own, a fold's own-block point is fitted there (in-sample): c, shifted
  // +3, reads as cleanly as a does
  assert.deepEqual(of(two.own[2]), of(two.own[0]));
  // a member whose scale differs on c only: in-sample its temperature absorbs it; across it counts
  // 10× in c's mean, and c's normals at +3 land higher
  const loud = pair(single[2]);
  loud.rows = loud.rows.map((r) => ({ ...r, logits: [r.logits[0], 10 * r.logits[1]] }));
  const mixed = poolFolds([pair(single[0]), pair(single[1]), loud], { resamples: 50 });
  assert.deepEqual(of(mixed.own[2]), of(two.own[2]));
  assert.ok(mixed.across[2].normalAnsweredAll > two.across[2].normalAnsweredAll, JSON.stringify(mixed.across[2]));
});

Deno.test("poolFolds: refuses folds with different numbers of members, and a temperature without its operating point", () => {
  const a = fold("a", [1, 2], [-1, -2]), b = fold("b", [1, 2], [-1, -2]);
  const two = { ...b, rows: b.rows.map((r) => ({ ...r, logits: [r.logits[0], r.logits[0]] })) };
  assert.throws(
    () => poolFolds([a, two]),
    /fold b: b\/all0 has 2 member logits, a 1; give every fold the same members/,
  );
  assert.throws(
    () => poolFolds([a, { ...b, operatingPoint: undefined }]),
    /fold b: give its own temperature and operating point together, or neither/,
  );
});

Deno.test("poolShifted: each fold's shifted images answered at the point fitted on the other folds' unshifted scores", () => {
  const base = { all: [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9], normal: [-9, -8, -7, -6, -5, -4, -3, -2, -1, 2] };
  const a = fold("a", base.all, base.normal), b = fold("b", base.all, base.normal);
  const c = fold("c", base.all.map((v) => v + 3), base.normal.map((v) => v + 3), 1, 0.85);
  const folds = [a, b, c].map((f) => ({ name: f.name, rows: f.rows })); // no own evaluations needed
  const unshifted = folds.map((f) => f.rows.map((r) => r.logits));
  // a shift that lowers only fold c's logits by 3 (c then holds a's scores) and one that lowers a's
  const lowerC = {
    shift: "lower c",
    logits: folds.map((f, k) => f.rows.map((r) => [r.logits[0] - (k === 2 ? 3 : 0)])),
  };
  const lowerA = {
    shift: "lower a",
    logits: folds.map((f, k) => f.rows.map((r) => [r.logits[0] - (k === 0 ? 3 : 0)])),
  };
  const opts = { resamples: 100 };
  const [identity, c3, a3] = poolShifted(folds, [{ shift: "identity", logits: unshifted }, lowerC, lowerA], opts);
  const pooled = poolFolds(folds, opts).pooled;
  assert.deepEqual({ ...identity, shift: undefined }, { ...pooled, shift: undefined }, "identity = the across reading");
  // lowered by 3, c's rows equal a's: answered at a+b's point, c now reads exactly as a does across
  const across = poolFolds(folds, opts).across;
  assert.equal(c3.normalAnsweredNormal, across[0].normalAnsweredNormal * 2 + across[1].normalAnsweredNormal);
  // a lowered by 3 is answered at b+c's point (fitted on their unshifted scores, not on a's shifted
  // ones): its ALL images at −4…6 — the one at −4 and those up to the band's low edge answer `normal`
  assert.ok(a3.allAnsweredNormal > identity.allAnsweredNormal, JSON.stringify(a3));
  assert.equal(a3.all, 30);
  const s = summarizeShifts([identity, c3, a3]);
  assert.equal(s.shifts, 2);
  assert.equal(s.worst.shift, "lower a");
  assert.equal(s.summedAllAnsweredNormal, c3.allAnsweredNormal + a3.allAnsweredNormal);
  assert.match(formatShiftTable([identity, a3]), /\| lower a \| \d+\.\d% \(\d+\/30\) \[/);
});

Deno.test("poolShifted: refuses logits that do not match the folds' rows or members", () => {
  const folds = [fold("a", [1, 2], [-1, -2]), fold("b", [1, 2], [-1, -2])];
  const logits = folds.map((f) => f.rows.map((r) => r.logits));
  assert.throws(
    () => poolShifted(folds, [{ shift: "s", logits: logits.slice(1) }]),
    /shift "s": 1 folds of logits for 2 folds/,
  );
  assert.throws(
    () => poolShifted(folds, [{ shift: "s", logits: [logits[0], logits[1].slice(1)] }]),
    /shift "s": fold b: 3 rows for its 4; score every fold's val rows, in order, with each member/,
  );
  assert.throws(
    () => poolShifted(folds, [{ shift: "s", logits: [logits[0], logits[1].map((l) => [...l, 0])] }]),
    /fold b: b\/all0 has 2 member logits, not 1/,
  );
  assert.throws(() => summarizeShifts([]), /no shifted readings/);
});

Deno.test("nearestTestFold: the fold holding the highest-numbered blocks of most series is marked in the report and the table", () => {
  const numbered = (name: string, blocks: [string, string], shift: number) => {
    const f = fold(name, [1, 2, 3, 4, 5].map((v) => v + shift), [-5, -4, -3, -2, -1]);
    return { ...f, rows: f.rows.map((r) => ({ ...r, group: r.positive ? blocks[0] : blocks[1] })) };
  };
  // the middle fold holds Pre's and Benign's highest blocks; the last has Early's highest, but one vote
  const folds = [
    numbered("low", ["Pre:001-020", "Benign:001-020"], 0),
    numbered("high", ["Pre:061-080", "Benign:281-300"], 0),
    numbered("mid", ["Pre:021-040", "Benign:101-120"], 0),
  ];
  folds[2].rows[0] = { ...folds[2].rows[0], group: "Early:401-420" };
  const report = poolFolds(folds, { resamples: 50 });
  assert.equal(report.nearestTestFold, 1);
  const table = formatFoldsTable(report);
  assert.match(table, /\| high \| fitted on the other folds; \*\*nearest the test block\*\* \|/);
  assert.equal(table.match(/nearest the test block/g)?.length, 1);
  // a tie (each fold the highest of one series) names none; unnumbered blocks neither
  folds[0].rows[5] = { ...folds[0].rows[5], group: "Benign:999-999" };
  assert.equal(nearestTestFold(folds), null);
  assert.equal("nearestTestFold" in poolFolds([fold("a", [1, 2], [-1, -2]), fold("b", [1, 2], [-1, -2])]), false);
});

/**
 * Four folds whose benign blocks of four differ in difficulty: recipe A answers 0, 1 or 2 of a
 * block's images `normal` (logit −6; the others sit at +1, above every ALL field's lowest logit),
 * so its own share swings with the blocks drawn; recipe B (`better`) answers one more image of
 * every block `normal`, a difference the same in every block.
 */
function graded(better: boolean): FoldScores[] {
  return ["f1", "f2", "f3", "f4"].map((name, f) => {
    const rows: FoldScores["rows"] = [-2, 0, 1, 2, 3, 4, 5, 6, 7, 8].map((z, i) => ({
      path: `${name}/all${i}`,
      positive: true,
      logits: [z + (f % 2)],
      group: `${name}:a${i >> 1}`,
    }));
    for (let b = 0; b < 6; b++) {
      const normal = ((b + f) % 3) + (better ? 1 : 0);
      for (let i = 0; i < 4; i++) {
        rows.push({
          path: `${name}/n${b}-${i}`,
          positive: false,
          logits: [i < normal ? -6 : 1],
          group: `${name}:n${b}`,
        });
      }
    }
    return { name, rows };
  });
}

Deno.test("compareFolds: one more benign image answered normal in every block gives +25 points with a paired interval far narrower than either recipe's own", () => {
  const a = graded(false), b = graded(true);
  const d = compareFolds(a, b, { resamples: 400 });
  const own = poolFolds(a, { resamples: 400 }).pooled, better = poolFolds(b, { resamples: 400 }).pooled;
  assert.deepEqual([own.normalAnsweredNormal, better.normalAnsweredNormal, own.normal], [24, 48, 96]);
  assert.equal(d.normalAnsweredNormal.value, 0.25);
  assert.equal(d.review.value, better.review / 136 - own.review / 136);
  assert.equal(d.allAnsweredNormal.value, 0);
  assert.ok(d.auroc.value > 0, JSON.stringify(d.auroc));
  // the blocks' own difficulty cancels in the pairs: every resample gives +25 points
  const [lo, hi] = d.normalAnsweredNormal.interval;
  assert.ok(Math.abs(lo - 0.25) < 1e-12 && Math.abs(hi - 0.25) < 1e-12, `paired interval [${lo}, ${hi}]`);
  const width = (i: [number, number]) => i[1] - i[0];
  assert.ok(width(own.intervals.normalAnsweredNormal) > 0.1, `A's own ${own.intervals.normalAnsweredNormal}`);
  assert.ok(width(better.intervals.normalAnsweredNormal) > 0.1, `B's own ${better.intervals.normalAnsweredNormal}`);
  // B − A is −(A − B), interval mirrored (the same blocks drawn)
  const back = compareFolds(b, a, { resamples: 400 });
  assert.deepEqual([back.review.value, ...back.review.interval], [
    -d.review.value,
    -d.review.interval[1],
    -d.review.interval[0],
  ]);
  // a recipe against itself: zero, with a zero-width interval
  const same = compareFolds(a, a, { resamples: 50 });
  for (const k of ["allAnsweredNormal", "normalAnsweredNormal", "review", "auroc"] as const) {
    assert.deepEqual([same[k].value, ...same[k].interval], [0, 0, 0], k);
  }
});

Deno.test("compareFolds: refuses folds that do not hold the same images, and unequal numbers of folds", () => {
  const a = graded(false);
  const renamed = graded(false).map((f) => ({
    ...f,
    rows: f.rows.map((r, i) => i ? r : { ...r, path: `${r.path}x` }),
  }));
  assert.throws(() => compareFolds(a, renamed), /fold 1: f1 does not hold the same val images as f1 \(f1\/all0\)/);
  const fewer = graded(false).map((f) => ({ ...f, rows: f.rows.slice(1) }));
  assert.throws(() => compareFolds(a, fewer), /does not hold the same val images/);
  assert.throws(() => compareFolds(a, a.slice(0, 3)), /as many on both sides: 4 and 3/);
});
