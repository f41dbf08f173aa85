/**
 * `deno task deploy:workers [wrangler deploy options]`: builds the Workers entry for MODEL (default:
 * the committed int8 model) and runs `wrangler deploy` with it, forwarding the service's
 * configuration variables from the environment as the Worker's vars. `API_KEYS` is a secret and
 * is never put into the uploaded config: set it with `wrangler secret put API_KEYS`.
 *
 * ```sh
 * npx deno task deploy:workers --dry-run --outdir dist/worker   # build only, print the upload size
 * CLOUDFLARE_API_TOKEN=... npx deno task deploy:workers          # upload
 * ```
 *
 * @module
 */
import { loadConfig } from "./lib/config.ts";
import { deployWorkers } from "./lib/workers/wrangler.ts";

if (import.meta.main) {
  const env = Deno.env.toObject();
  if (env.API_KEYS) {
    console.error("API_KEYS is not uploaded as a plain variable; run `wrangler secret put API_KEYS` to set it.");
  }
  const { code } = await deployWorkers({
    modelPath: loadConfig(env).modelPath,
    // CELL_MODEL when set (it must exist); else the default cell model when it is there
    cellModelPath: env.CELL_MODEL?.trim() ? loadConfig(env).cellModelPath : undefined,
    vars: env,
    args: Deno.args,
    output: "inherit",
  });
  Deno.exit(code);
}
