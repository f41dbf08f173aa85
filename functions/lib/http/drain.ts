/**
 * Draining for graceful shutdown. `Deno.serve`'s `shutdown()` closes the listener but also cuts
 * the request bodies still being uploaded (Deno 2.9: "BadResource: Cannot read body"), so the
 * server first drains: requests already running finish, new ones get 503 `shutting_down` with
 * `Connection: close`, and only when nothing is in flight (or the grace period ends) is the
 * listener shut.
 *
 * @module
 */
import { shuttingDown } from "./body.ts";
import { errorBody } from "./errors.ts";

/** A fetch handler as `Deno.serve` calls it. */
export type FetchHandler<I> = (req: Request, info: I) => Response | Promise<Response>;

/** Counts in-flight requests of a handler and can drain them. */
export interface Drain {
  /** `handler`, counted; while draining it answers 503 `shutting_down` instead. */
  wrap<I>(handler: FetchHandler<I>): (req: Request, info: I) => Promise<Response>;
  /** Requests running now. */
  readonly inFlight: number;
  readonly draining: boolean;
  /** Starts draining; resolves `true` once nothing is in flight, `false` after `graceMs`. */
  drain(graceMs: number): Promise<boolean>;
}

/**
 * A new drain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = createDrain();
 * // the service: `const server = Deno.serve(d.wrap(app.fetch))`, then on SIGTERM
 * // `await d.drain(30_000); await server.shutdown();`
 * let release = () => {};
 * const handler = d.wrap((_req: Request, _info: unknown) =>
 *   new Promise<Response>((resolve) => release = () => resolve(new Response("done")))
 * );
 * const slow = handler(new Request("http://x/v1/predict"), {});
 * assert.equal(d.inFlight, 1);
 * const drained = d.drain(30_000);
 * assert.equal((await handler(new Request("http://x/healthz"), {})).status, 503); // refused while draining
 * release();
 * assert.equal(await (await slow).text(), "done"); // the one in flight finished
 * assert.equal(await drained, true);
 * ```
 */
export function createDrain(): Drain {
  let inFlight = 0;
  let draining = false;
  const onIdle: (() => void)[] = [];
  const done = () => {
    inFlight--;
    if (inFlight === 0) onIdle.splice(0).forEach((f) => f());
  };
  return {
    get inFlight() {
      return inFlight;
    },
    get draining() {
      return draining;
    },
    wrap(handler) {
      return async (req, info) => {
        if (draining) {
          const e = shuttingDown();
          const id = crypto.randomUUID(); // issued here, as the app does; never the client's
          return Response.json(errorBody(e, id), {
            status: 503,
            headers: { "Connection": "close", "Retry-After": "1", "X-Request-Id": id },
          });
        }
        inFlight++;
        try {
          return await handler(req, info);
        } finally {
          done();
        }
      };
    },
    drain(graceMs) {
      draining = true;
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), graceMs);
        onIdle.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}
