import assert from "node:assert/strict";
import {
  allCombos,
  answerCombo,
  comboLogits,
  formatComboTable,
  type MemberLogits,
  parseCombo,
} from "./member_combos.ts";

const RUNS = ["runs/np/colour", "runs/np/grey", "runs/x/grey"];

Deno.test("parseCombo: names by path or unique last segment, weights after *, refusals say what is wrong", () => {
  assert.deepEqual(parseCombo("colour*2.5 + runs/x/grey", RUNS).members, [
    { run: "runs/np/colour", weight: 2.5 },
    { run: "runs/x/grey", weight: 1 },
  ]);
  // a last segment shared by two runs resolves to the first; the full path picks the other
  assert.equal(parseCombo("grey", RUNS).members[0].run, "runs/np/grey");
  assert.throws(() => parseCombo("colour+blue", RUNS), /"blue" is not one of the runs \(known: colour, grey, grey\)/);
  assert.throws(() => parseCombo("colour*0", RUNS), /"colour\*0" needs a weight > 0/);
  assert.throws(() => parseCombo("colour*-1", RUNS), /needs a weight > 0/);
  assert.throws(() => parseCombo("colour*2*3", RUNS), /needs a weight > 0 after one "\*"/);
  assert.throws(() => parseCombo("colour+runs/np/colour", RUNS), /names runs\/np\/colour twice/);
  assert.throws(() => parseCombo("colour+", RUNS), /"" is not one of the runs/);
});

Deno.test("allCombos: 2^n − 1 combinations, singles first, equal weights", () => {
  const combos = allCombos(["a", "b", "c", "d"]);
  assert.equal(combos.length, 15);
  assert.deepEqual(combos.slice(0, 5).map((c) => c.name), ["a", "b", "c", "d", "a+b"]);
  assert.equal(combos.at(-1)!.name, "a+b+c+d");
  assert.ok(combos.every((c) => c.members.every((m) => m.weight === 1)));
});

Deno.test("comboLogits: each member's logit over its own temperature, weighted; mismatches refused by name", () => {
  const members: Record<string, MemberLogits> = {
    a: { temperature: 0.5, byShift: { identity: [1, -2, 3] } },
    b: { temperature: 2, byShift: { identity: [4, 0, -8] } },
    c: { temperature: 1, byShift: { identity: [1, 2] } },
  };
  // weights 1 : 3 → a: 1/4 / 0.5 = 0.5 per logit; b: 3/4 / 2 = 0.375 per logit
  assert.deepEqual(comboLogits(parseCombo("a+b*3", ["a", "b", "c"]), members, "identity"), [2, -1, -1.5]);
  assert.throws(() => comboLogits(parseCombo("a", ["a"]), members, "dark"), /no logits of a under "dark"/);
  assert.throws(
    () => comboLogits(parseCombo("a+c", ["a", "c"]), members, "identity"),
    /c has 2 logits under "identity", a 3/,
  );
});

Deno.test("comboLogits, max rule: the largest calibrated logit per image, whichever member gives it", () => {
  const members: Record<string, MemberLogits> = {
    a: { temperature: 0.5, byShift: { identity: [1, -2, 3] } }, // calibrated 2, -4, 6
    b: { temperature: 2, byShift: { identity: [8, 0, -8] } }, // calibrated 4, 0, -4
  };
  const max = parseCombo("max:a+b", ["a", "b"]);
  assert.equal(max.rule, "max");
  assert.deepEqual(comboLogits(max, members, "identity"), [4, 0, 6]);
  assert.deepEqual(comboLogits(parseCombo("max:b+a", ["a", "b"]), members, "identity"), [4, 0, 6]); // order-free
  assert.deepEqual(comboLogits(parseCombo("a+b", ["a", "b"]), members, "identity"), [3, -2, 1]); // the mean differs
  assert.throws(() => parseCombo("max:a*2+b", ["a", "b"]), /max: takes no weights/);
});

/** 6 ALL then 4 normal images; member "sharp" separates them unshifted and loses two ALL under "dark". */
const POSITIVE = [true, true, true, true, true, true, false, false, false, false];
const MEMBERS: Record<string, MemberLogits> = {
  sharp: {
    temperature: 1,
    byShift: {
      identity: [5, 4.5, 4, 3.5, 3, 2.5, -3, -3.5, -4, -5],
      dark: [5, 4.5, 4, 3.5, -4.5, -4.2, -3, -3.5, -4, -5],
      blur: [5, 4.5, 4, 3.5, 3, 2.5, -3, -3.5, -4, -5],
    },
  },
  // robust to "dark" but ranks one normal image above one ALL image unshifted
  steady: {
    temperature: 1,
    byShift: {
      identity: [3, 3, 3, 3, 3, 1, 2, -3, -3, -3],
      dark: [3, 3, 3, 3, 3, 1, 2, -3, -3, -3],
      blur: [3, 3, 3, 3, -3, 1, 2, -3, -3, -3],
    },
  },
};

Deno.test("answerCombo: answers as the service at the chosen point; the worst shift and the sums are the shifted rows'", () => {
  const sharp = answerCombo(parseCombo("sharp", ["sharp", "steady"]), MEMBERS, POSITIVE, ["identity", "dark", "blur"]);
  assert.deepEqual(sharp.shifts.map((r) => r.shift), ["identity", "dark", "blur"]);
  assert.deepEqual(sharp.shifts[0].allAnsweredNormal, { count: 0, share: 0 });
  assert.equal(sharp.shifts[0].normalAnsweredNormal, 1);
  assert.equal(sharp.shifts[0].auroc, 1);
  assert.deepEqual(sharp.shifts[1].allAnsweredNormal, { count: 2, share: 2 / 6 });
  assert.deepEqual(sharp.summary, {
    over1: 1,
    over5: 1,
    worst: { shift: "dark", share: 2 / 6 },
    summedAllAnsweredNormal: 2,
    meanNormalAnsweredNormal: 1,
    meanReview: 0,
  });

  // steady: the normal image at 2 lies above the lowest ALL image (1), so the band between them goes to review
  const steady = answerCombo(parseCombo("steady", ["sharp", "steady"]), MEMBERS, POSITIVE, [
    "identity",
    "dark",
    "blur",
  ]);
  const [low, high] = steady.operatingPoint.reviewBand;
  assert.ok(low < high, `a review band: ${low} < ${high}`);
  assert.equal(steady.shifts[0].review, 2 / 10); // the ALL image at 1 and the normal image at 2
  assert.equal(steady.shifts[0].normalAnsweredNormal, 3 / 4);
  assert.equal(steady.shifts[0].auroc, 23 / 24);
  assert.deepEqual(steady.summary.worst, { shift: "blur", share: 1 / 6 });
});

Deno.test("answerCombo: the mean of two members; formatComboTable puts the fewest summed misses first", () => {
  const runs = ["sharp", "steady"];
  const shifts = ["identity", "dark", "blur"];
  const both = answerCombo(parseCombo("sharp+steady", runs), MEMBERS, POSITIVE, shifts);
  // mean logits, unshifted: ALL 4 … 1.75, normal −0.5 … −4: separable, threshold at the lowest ALL (1.75);
  // dark: ALL at (−4.5 + 3) / 2 = −0.75 and (−4.2 + 1) / 2 = −1.6 fall below it; blur: (3 − 3) / 2 = 0
  assert.equal(both.shifts[0].auroc, 1);
  assert.deepEqual(both.shifts.map((r) => r.allAnsweredNormal.count), [0, 2, 1]);
  assert.equal(both.summary.summedAllAnsweredNormal, 3);
  const table = formatComboTable([
    answerCombo(parseCombo("sharp", runs), MEMBERS, POSITIVE, shifts),
    both,
    answerCombo(parseCombo("steady", runs), MEMBERS, POSITIVE, shifts),
  ]).split("\n");
  assert.equal(table.length, 4);
  assert.match(table[0], /^combination +unshifted: benign→normal review AUROC/);
  assert.match(table[1], /^steady +75\.0 +20\.0 0\.958 \| +1 +1 +1, blur 16\.7%/); // 1 summed
  assert.match(table[2], /^sharp +100\.0 +0\.0 1\.000 \| +1 +1 +2, dark 33\.3%/); // 2
  assert.match(table[3], /^sharp\+steady /); // 3
});

Deno.test("answerCombo: labels and logits of different lengths are refused", () => {
  assert.throws(
    () => answerCombo(parseCombo("sharp", ["sharp"]), MEMBERS, POSITIVE.slice(1), ["identity"]),
    /10 logits under "identity" for 9 labels/,
  );
});
