/**
 * Reading a local file on Deno or Node, without naming a Node built-in that a Workers bundler
 * would try to resolve (wrangler warns about `node:fs` otherwise; Workers never read files).
 *
 * @module
 */

/** Node's module, named through a variable so that bundlers leave it alone. */
const NODE_FS = "node:fs/promises";

/**
 * The bytes of a local file (a path or a `file:` URL). Deno reads it directly; Node through
 * `node:fs`. Rejects with the runtime's error (not found, permission...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = await readLocalFile("model/all-v4.int8.json");
 * assert.equal(JSON.parse(new TextDecoder().decode(bytes)).id, "all-screen");
 * ```
 */
export async function readLocalFile(path: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  const deno = (globalThis as { Deno?: { readFile(p: string | URL): Promise<Uint8Array<ArrayBuffer>> } }).Deno;
  if (deno) return await deno.readFile(path);
  const { readFile } = await import(NODE_FS) as { readFile(p: string | URL): Promise<Uint8Array> };
  return new Uint8Array(await readFile(path));
}
