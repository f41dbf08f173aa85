import assert from "node:assert/strict";
import { withBudget } from "./budget.ts";
import { ApiError } from "./errors.ts";

Deno.test("withBudget: returns the result within the budget", async () => {
  assert.equal(await withBudget(1000, () => Promise.resolve(42)), 42);
  assert.equal(await withBudget(0, () => Promise.resolve(7)), 7);
});

Deno.test("withBudget: work that never settles is answered with 503 timeout, and its signal aborted", async () => {
  let seen: AbortSignal | undefined;
  await assert.rejects(
    withBudget(20, (signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    }),
    (e: unknown) => e instanceof ApiError && e.status === 503 && e.code === "timeout",
  );
  assert.equal(seen?.aborted, true);
  assert.ok(seen?.reason instanceof ApiError);
});

Deno.test("withBudget: a late failure of abandoned work is swallowed; errors within the budget pass through", async () => {
  await assert.rejects(
    withBudget(10, () => new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 30))),
    (e: unknown) => e instanceof ApiError && e.code === "timeout",
  );
  await new Promise((r) => setTimeout(r, 40));
  await assert.rejects(withBudget(1000, () => Promise.reject(new RangeError("bad"))), RangeError);
});
