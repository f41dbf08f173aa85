import assert from "node:assert/strict";
import { checkDomain } from "./domain.ts";

Deno.test("checkDomain: no card domain or all in range → no reasons", () => {
  assert.deepEqual(checkDomain(undefined, { meanR: 5 }), []);
  assert.deepEqual(checkDomain({ ranges: { meanR: [0, 1], stdG: [0.1, 0.2] } }, { meanR: 1, stdG: 0.1 }), []);
});

Deno.test("checkDomain: each violated range gives one reason naming it", () => {
  const r = checkDomain({ ranges: { meanR: [0.4, 0.9], stdG: [0.1, 0.2], darkFraction: [0, 0.5] } }, {
    meanR: 0.1,
    stdG: 0.15,
    darkFraction: 0.75,
  });
  assert.equal(r.length, 2);
  assert.match(r[0], /meanR = 0\.100 .*\[0\.400, 0\.900\]/);
  assert.match(r[1], /darkFraction = 0\.750/);
});

Deno.test("checkDomain: a statistic the image lacks is reported", () => {
  assert.match(checkDomain({ ranges: { hue: [0, 1] } }, {})[0], /hue cannot be computed/);
});
