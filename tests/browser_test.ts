/**
 * The `GET /` page in a real browser: the service on a free loopback port with the tiny fixture
 * model, headless Chromium (Debian's `/usr/bin/chromium`, driven by playwright-core) opens the
 * page, uploads a C-NMC cell PNG through the file input and checks what a person sees: decision,
 * label, scores, subtype and the heatmap overlay (a PNG data URL at the image's size) with its
 * toggle. Saves a screenshot to `$SCREENSHOT_DIR/page.png` (default: a temp dir; set
 * `SCREENSHOT_DIR=docs/screenshots` to refresh the committed one).
 *
 * Without `/usr/bin/chromium` the test is skipped, unless `REQUIRE_BROWSER=1` (CI) makes it fail.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serve } from "../functions/deno.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { TINY_MODEL } from "./helpers/model.ts";

const root = new URL("../", import.meta.url);
const CHROMIUM = "/usr/bin/chromium";
const IMAGE = "cnmc_all_UID_35_6_2_all.png"; // 450×450 RGB
const SCREENSHOT_DIR = Deno.env.get("SCREENSHOT_DIR") ?? Deno.makeTempDirSync({ prefix: "all-screen-shot-" });
const SCREENSHOT = `${SCREENSHOT_DIR}/page.png`;

const haveChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
const required = Deno.env.get("REQUIRE_BROWSER") === "1";
if (!haveChromium && !required) {
  console.warn(`browser_test: skipped: ${CHROMIUM} not found (apt-get install chromium; REQUIRE_BROWSER=1 to fail)`);
}

Deno.test({
  name: "browser: / uploads a cell image and shows label, scores, decision and the heatmap with its toggle",
  ignore: !haveChromium && !required,
  // Chromium's child process and playwright's sockets outlive single awaits; all are closed in finally.
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  assert.ok(haveChromium, `REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  const server = serve(
    loadConfig({ PORT: "0", HOST: "127.0.0.1", MODEL: new URL(TINY_MODEL, root).pathname }),
    () => {},
  );
  const profile = await Deno.makeTempDir({ prefix: "browser_test_profile_" });
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    await server.ready;
    const base = `http://127.0.0.1:${server.port}`;
    // A fresh profile (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1000, height: 760 },
    });
    const page = browser.pages()[0] ?? await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("console", (m) => {
      // (the browser's own /favicon.ico probe 404s: the page has no icon, which is fine)
      if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) {
        pageErrors.push(`${m.text()} ${m.location().url}`);
      }
    });

    await page.goto(`${base}/`);
    assert.equal(await page.title(), "ALL screening");
    assert.equal(await page.locator("#view").isHidden(), true, "no image view before an upload");

    const explained = page.waitForResponse((r) => r.url().endsWith("/v1/explain"));
    await page.setInputFiles("#file", new URL(`fixtures/images/${IMAGE}`, import.meta.url).pathname);
    const response = await explained;
    assert.equal(response.status(), 200);
    assert.equal(response.request().headers()["content-type"], "image/png", "the file's own content type");
    // What the page was answered, fetched again here (the model is deterministic; the browser's
    // copy of the body is not reliably kept by DevTools).
    const api = await (await fetch(`${base}/v1/explain`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: await Deno.readFile(new URL(`fixtures/images/${IMAGE}`, import.meta.url)),
    })).json();
    const requestId = response.headers()["x-request-id"];

    // The result as the page renders it.
    await page.locator("#result .badge").waitFor();
    const badge = page.locator("#result .badge");
    assert.equal(await badge.textContent(), api.decision.toUpperCase());
    assert.ok(["all", "normal", "review"].includes(api.decision));
    assert.equal(await badge.getAttribute("class"), `badge ${api.decision}`);
    const cells = async (table: number) =>
      Object.fromEntries(
        await page.locator("#result table").nth(table).locator("tr").evaluateAll((rows) =>
          rows.map((r) => [r.children[0].textContent, r.children[1].textContent])
        ),
      );
    const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
    assert.deepEqual(await cells(0), {
      label: api.label,
      "p(all)": pct(api.scores.all),
      "p(normal)": pct(api.scores.normal),
    });
    assert.ok(["all", "normal"].includes(api.label));
    assert.ok(Math.abs(api.scores.all + api.scores.normal - 1) < 1e-6);
    assert.ok(api.subtype, "the tiny model has a subtype head");
    const subtypes = await cells(1);
    assert.deepEqual(Object.keys(subtypes).sort(), Object.keys(api.subtype).sort());
    for (const [k, v] of Object.entries(api.subtype)) assert.equal(subtypes[k], pct(v as number));
    const footer = await page.locator("#result").textContent();
    assert.ok(footer?.includes("png 450×450"), footer ?? "");
    assert.ok(requestId && footer?.includes(requestId), "the page's request id is shown");
    assert.equal(await page.locator("#status").textContent(), "", "no error or progress message left");

    // The uploaded image and the heatmap over it.
    const heat = page.locator("#heat");
    await heat.waitFor({ state: "visible" });
    const loaded = async (sel: string) =>
      await page.locator(sel).evaluate(async (el) => {
        // (runs in the page; this project type-checks without the DOM lib)
        const img = el as unknown as {
          src: string;
          naturalWidth: number;
          naturalHeight: number;
          decode(): Promise<void>;
        };
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle;
        await img.decode();
        return { src: img.src, w: img.naturalWidth, h: img.naturalHeight, opacity: style(img).opacity };
      });
    const photo = await loaded("#img");
    assert.ok(photo.src.startsWith("blob:"), photo.src);
    assert.deepEqual([photo.w, photo.h], [450, 450]);
    assert.equal(photo.opacity, "1", "the browser could draw the upload itself");
    const overlay = await loaded("#heat");
    assert.ok(overlay.src.startsWith("data:image/png;base64,"), overlay.src.slice(0, 40));
    assert.equal(overlay.src, api.heatmap);
    assert.deepEqual([overlay.w, overlay.h], [photo.w, photo.h], "heatmap natural size = image size");
    assert.equal(overlay.opacity, "0.8");
    const [imgBox, heatBox] = [await page.locator("#img").boundingBox(), await heat.boundingBox()];
    assert.ok(imgBox && heatBox);
    assert.deepEqual(heatBox, imgBox, "the overlay covers exactly the displayed image");

    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The toggle hides and shows the overlay.
    assert.equal(await page.locator("#heatctl").isVisible(), true);
    await page.locator("#toggle").uncheck();
    assert.equal(await heat.isHidden(), true, "unchecked: heatmap hidden");
    assert.equal(await page.locator("#img").isVisible(), true, "the image stays");
    await page.locator("#toggle").check();
    assert.equal(await heat.isVisible(), true, "checked again: heatmap shown");

    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await server.shutdown();
    await server.finished;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
});
