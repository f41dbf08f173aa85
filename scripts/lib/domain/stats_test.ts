import assert from "node:assert/strict";

Deno.test("summarizeFlags counts flagged images and the statistics they violate", async () => {
  const { summarizeFlags } = await import("./stats.ts");
  const check = { ranges: { meanR: [0.4, 0.9] as [number, number], stdG: [0.1, 0.2] as [number, number] } };
  const s = summarizeFlags([{ meanR: 0.1, stdG: 0.15 }, { meanR: 0.5, stdG: 0.15 }, { meanR: 0.95, stdG: 0.3 }], check);
  assert.deepEqual(s, { n: 3, flagged: 2, isFlagged: [true, false, true], byStatistic: { meanR: 2, stdG: 1 } });
});
