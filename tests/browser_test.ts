/**
 * The `GET /` page in a real browser: the service on a free loopback port with the committed
 * model and an API key, headless Chromium (Debian's `/usr/bin/chromium`, driven by
 * playwright-core) opens the page and a reviewer's session is played through it:
 *
 * - an ALL answer (a Taleqani early pre-B field): decision, scores, subtype, and the heatmap over
 *   the image at 35% opacity with its legend, toggle and opacity slider;
 * - the reviewer's label with a note is recorded (`POST /v1/feedback`) and then appears in
 *   `GET /v1/feedback`; a failing store is reported as such;
 * - a `normal` answer (a benign field) and an out-of-domain `review` (a C-NMC cell) show the
 *   heatmap muted: hidden by default, with the reason, and the toggle still shows it;
 * - the cells of the answer (`POST /v1/cells`, the tiny fixture as the cell model): one box per
 *   cell over the image where the answer puts it, coloured by its call, with the legend, the
 *   field's summary and the list of cells; choosing a cell in the list or on the image selects it
 *   (its scores shown, its box highlighted); a C-NMC cell gets one box;
 * - an upload the service refuses clears the previous result (preview, heatmap, scores, form, cells);
 * - no Content-Security-Policy violation, no script error, no `/favicon.ico` 404 and no failed
 *   request other than the two this test causes on purpose.
 *
 * Saves a screenshot of the ALL answer to `$SCREENSHOT_DIR/page.png` (default: a temp dir; set
 * `SCREENSHOT_DIR=docs/screenshots` to refresh the committed one).
 *
 * Without `/usr/bin/chromium` the test is skipped, unless `REQUIRE_BROWSER=1` (CI) makes it fail.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serve } from "../functions/deno.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { CELL_COLOURS, HEATMAP_OPACITY_PERCENT } from "../functions/lib/ui/index.ts";
import { DEFAULT_MODEL } from "../model/core/mod.ts";

const root = new URL("../", import.meta.url);
const CHROMIUM = "/usr/bin/chromium";
const KEY = "page-test-key";
const ALL_FIELD = "taleqani_Early_WBC-Malignant-Early-001.jpg"; // answered all (p ≈ 1)
const BENIGN_FIELD = "taleqani_Benign_WBC-Benign-001.jpg"; // answered normal (p(all) ≈ 1e-5)
const CNMC_CELL = "cnmc_all_UID_35_6_2_all.png"; // 450×450 RGB, out of the model's domain: review
const CELL_MODEL = "tests/fixtures/models/tiny.int8.onnx"; // a stand-in cell model (deterministic)
const SCREENSHOT_DIR = Deno.env.get("SCREENSHOT_DIR") ?? Deno.makeTempDirSync({ prefix: "all-screen-shot-" });
const SCREENSHOT = `${SCREENSHOT_DIR}/page.png`;
const fixture = (name: string) => new URL(`fixtures/images/${name}`, import.meta.url).pathname;

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

/** Headless Chromium with its own profile, no network of its own. */
function launch(profile: string) {
  return chromium.launchPersistentContext(profile, {
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
    viewport: { width: 1100, height: 900 },
  });
}

/** The served card's version, as the page must name it. */
const servedVersion = (onnx: string) =>
  (JSON.parse(Deno.readTextFileSync(onnx.replace(/\.onnx$/, ".json"))) as { version: string }).version;

/** What the API answers for a fixture (the model is deterministic). */
// deno-lint-ignore no-explicit-any
type Answer = any;

Deno.test({
  name: "browser: / shows the answer and heatmap, records the reviewer's label, mutes normal and out-of-domain maps",
  ignore: !haveChromium && !required,
  // Chromium's child process and playwright's sockets outlive single awaits; all are closed in finally.
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  assert.ok(haveChromium, `REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  const server = serve(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      MODEL: new URL(DEFAULT_MODEL, root).pathname,
      API_KEYS: KEY,
      FEEDBACK_DB: ":memory:",
      CELL_MODEL: new URL(CELL_MODEL, root).pathname,
    }),
    () => {},
  );
  const profile = await Deno.makeTempDir({ prefix: "browser_test_profile_" });
  const bogus = await Deno.makeTempFile({ prefix: "not-an-image-", suffix: ".png" });
  await Deno.writeTextFile(bogus, "this is text, not a PNG\n");
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    await server.ready;
    const base = `http://127.0.0.1:${server.port}`;
    const api = async (name: string): Promise<Answer> => {
      const res = await fetch(`${base}/v1/explain`, {
        method: "POST",
        headers: { "content-type": name.endsWith(".png") ? "image/png" : "image/jpeg", authorization: `Bearer ${KEY}` },
        body: await Deno.readFile(fixture(name)),
      });
      assert.equal(res.status, 200);
      return await res.json();
    };
    const cellsApi = async (name: string): Promise<Answer> => {
      const res = await fetch(`${base}/v1/cells`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}` },
        body: await Deno.readFile(fixture(name)),
      });
      assert.equal(res.status, 200);
      return await res.json();
    };
    browser = await launch(profile);
    const page = browser.pages()[0] ?? await browser.newPage();
    // Everything the page does on the network and in its console, checked at the end.
    const pageErrors: string[] = [], failed: string[] = [], refused: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`${m.text()} ${m.location().url}`);
    });
    page.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => {
      if (r.status() >= 400) refused.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    // CSP violations as the page sees them (an init script runs before the page's own).
    await page.addInitScript(
      `globalThis.__csp = []; document.addEventListener("securitypolicyviolation", (e) => __csp.push(e.violatedDirective + " " + e.blockedURI));`,
    );

    await page.goto(`${base}/`);
    assert.equal(await page.title(), "ALL screening");
    assert.equal(await page.locator("#view").isHidden(), true, "no image view before an upload");
    const version = servedVersion(new URL(DEFAULT_MODEL, root).pathname);
    await page.locator("#served", { hasText: "Model " }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("#served").textContent(), `Model all-screen ${version}`);
    assert.equal(await page.locator("#warnings").isHidden(), true, "the served model has no warnings");
    const use = await page.locator("#use").textContent();
    assert.match(use ?? "", /screening aid for acute lymphoblastic leukemia on peripheral blood smear images/);
    assert.match(use ?? "", /Not a diagnosis\./);
    assert.ok(!/single-cell/.test(await page.content()), "the page does not say single-cell");
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    assert.ok(icon?.startsWith("data:image/svg+xml,"), icon ?? "no icon link");
    await page.fill("#key", KEY);

    const upload = async (file: string) => {
      const explained = page.waitForResponse((r) => r.url().endsWith("/v1/explain"));
      await page.setInputFiles("#file", file);
      return await explained;
    };
    const cells = async (table: number) =>
      Object.fromEntries(
        await page.locator("#result table").nth(table).locator("tr").evaluateAll((rows) =>
          rows.map((r) => [r.children[0].textContent, r.children[1].textContent])
        ),
      );
    const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
    const image = async (sel: string) =>
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
    const heat = page.locator("#heat");
    let allRequestId = "";

    await t.step("an ALL answer: scores and the heatmap at 35% with its legend and slider", async () => {
      const response = await upload(fixture(ALL_FIELD));
      assert.equal(response.status(), 200);
      assert.equal(response.request().headers()["content-type"], "image/jpeg", "the file's own content type");
      assert.equal(response.request().headers()["authorization"], `Bearer ${KEY}`, "the key field's key");
      allRequestId = response.headers()["x-request-id"];
      const answer = await api(ALL_FIELD);
      assert.equal(answer.decision, "all");
      await page.locator("#result .badge").waitFor();
      assert.equal(await page.locator("#result .badge").textContent(), "ALL");
      assert.equal(await page.locator("#result .badge").getAttribute("class"), "badge all");
      assert.deepEqual(await cells(0), {
        label: "all",
        "p(all)": pct(answer.scores.all),
        "p(normal)": pct(answer.scores.normal),
      });
      const subtypes = await cells(1);
      assert.deepEqual(Object.keys(subtypes).sort(), Object.keys(answer.subtype).sort());
      for (const [k, v] of Object.entries(answer.subtype)) assert.equal(subtypes[k], pct(v as number));
      const footer = await page.locator("#result").textContent();
      assert.ok(footer?.includes(`jpeg ${answer.input.width}×${answer.input.height}`), footer ?? "");
      assert.ok(allRequestId && footer?.includes(allRequestId), "the page's request id is shown");
      assert.equal(await page.locator("#status").textContent(), "", "no error or progress message left");

      await heat.waitFor({ state: "visible" });
      const photo = await image("#img");
      assert.ok(photo.src.startsWith("blob:"), photo.src);
      assert.deepEqual([photo.w, photo.h], [answer.input.width, answer.input.height]);
      assert.equal(photo.opacity, "1", "the browser could draw the upload itself");
      const overlay = await image("#heat");
      assert.equal(overlay.src, answer.heatmap);
      assert.deepEqual([overlay.w, overlay.h], [photo.w, photo.h], "heatmap natural size = image size");
      assert.equal(HEATMAP_OPACITY_PERCENT, 35);
      assert.equal(overlay.opacity, "0.35");
      assert.equal(await page.locator("#toggle").isChecked(), true);
      assert.equal(await page.locator("#muted").isHidden(), true, "an ALL answer's map is not muted");
      assert.deepEqual(await heat.boundingBox(), await page.locator("#img").boundingBox(), "overlay covers the image");
      assert.equal(await page.locator("#legend .bar").isVisible(), true);
      assert.match(await page.locator("#legend").textContent() ?? "", /low.*high.*evidence for ALL/s);

      await page.locator("#celllist li").first().waitFor(); // the cells too, in the screenshot
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await page.locator("#opacity").fill("60");
      assert.equal((await image("#heat")).opacity, "0.6");
      assert.equal(await page.locator("#opacityval").textContent(), "60%");
      await page.locator("#opacity").fill(String(HEATMAP_OPACITY_PERCENT));
      await page.locator("#toggle").uncheck();
      assert.equal(await heat.isHidden(), true, "unchecked: heatmap hidden");
      assert.equal(await page.locator("#img").isVisible(), true, "the image stays");
      await page.locator("#toggle").check();
      assert.equal(await heat.isVisible(), true, "checked again: heatmap shown");
    });

    await t.step(
      "cells: a box per cell where the answer puts it, coloured by call; summary, list, selection",
      async () => {
        const answer = await cellsApi(ALL_FIELD);
        const n = answer.cells.length;
        assert.ok(n >= 3, `the Early field holds several cells, got ${n}`);
        await page.locator("#celllist li").nth(n - 1).waitFor();
        assert.equal(await page.locator("#celllist li").count(), n, "one list entry per cell");
        assert.equal(await page.locator("#boxes g.cell").count(), n, "one box per cell");
        const boxes = page.locator("#boxes");
        assert.equal(await boxes.isVisible(), true);
        const { width, height } = answer.input;
        assert.equal(await boxes.getAttribute("viewBox"), `0 0 ${width} ${height}`);
        assert.deepEqual(await boxes.boundingBox(), await page.locator("#img").boundingBox(), "boxes cover the image");
        const drawn = await page.locator("#boxes g.cell").evaluateAll((gs) =>
          gs.map((g) => {
            const r = g.querySelector("rect:not(.halo)")!;
            return [g.getAttribute("class"), ...["x", "y", "width", "height"].map((k) => Number(r.getAttribute(k)))];
          })
        );
        assert.deepEqual(
          drawn,
          answer.cells.map((c: Answer) => [`cell ${c.decision}`, c.box.x, c.box.y, c.box.width, c.box.height]),
        );
        // on screen: the first box sits where its pixels are in the displayed image
        const img = (await page.locator("#img").boundingBox())!;
        const first = (await page.locator('#boxes g.cell[data-i="0"] rect:not(.halo)').boundingBox())!;
        const scale = img.width / width, b0 = answer.cells[0].box;
        assert.ok(Math.abs(first.x - (img.x + b0.x * scale)) < 3, `x ${first.x} vs ${img.x + b0.x * scale}`);
        assert.ok(Math.abs(first.y - (img.y + b0.y * scale)) < 3, `y ${first.y} vs ${img.y + b0.y * scale}`);
        assert.ok(Math.abs(first.width - b0.width * scale) < 5, `width ${first.width} vs ${b0.width * scale}`);
        // coloured by call (colour-blind-safe palette), with a legend of all three calls
        const stroke = await page.locator('#boxes g.cell[data-i="0"] rect:not(.halo)').evaluate((el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { stroke: string } }).getComputedStyle(el).stroke
        );
        const hex = CELL_COLOURS[answer.cells[0].decision as keyof typeof CELL_COLOURS].colour;
        const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ");
        assert.equal(stroke, `rgb(${rgb})`);
        assert.deepEqual(await page.locator("#cellkey .key").allTextContents().then((t) => t.map((s) => s.trim())), [
          "all",
          "normal",
          "review",
        ]);
        // the summary above the list
        const s = answer.summary;
        assert.equal(await page.locator("#cellsum .badge").textContent(), `FIELD: ${s.decision.toUpperCase()}`);
        assert.match(
          await page.locator("#cellsum").textContent() ?? "",
          new RegExp(`${s.cells} cells classified: ${s.all} all · ${s.normal} normal · ${s.review} review`),
        );
        // choosing a cell in the list: its box highlighted, its scores shown
        await page.locator("#celllist button").nth(1).click();
        assert.equal(await page.locator("#boxes g.cell.sel").count(), 1);
        assert.equal(await page.locator("#boxes g.cell.sel").getAttribute("data-i"), "1");
        assert.equal(await page.locator("#celllist button").nth(1).getAttribute("aria-pressed"), "true");
        const detail = await page.locator("#celldetail").textContent() ?? "";
        assert.match(detail, /^Cell 2/);
        assert.ok(detail.includes(pct(answer.cells[1].scores.all)), detail);
        assert.ok(detail.includes(pct(answer.cells[1].scores.normal)), detail);
        // and on the image
        await page.locator('#boxes g.cell[data-i="0"] rect:not(.halo)').click();
        assert.equal(await page.locator("#boxes g.cell.sel").getAttribute("data-i"), "0");
        assert.deepEqual(
          await page.locator("#celllist button").evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-pressed"))),
          Array.from({ length: n }, (_, i) => String(i === 0)),
        );
        assert.match(await page.locator("#celldetail").textContent() ?? "", /^Cell 1/);
        await page.locator("#showboxes").uncheck();
        assert.equal(await boxes.isHidden(), true, "unchecked: boxes hidden");
        await page.locator("#showboxes").check();
        assert.equal(await boxes.isVisible(), true);
      },
    );

    await t.step("the reviewer's label and note are recorded, then listed by GET /v1/feedback", async () => {
      assert.equal(await page.locator("#feedback").isVisible(), true);
      await page.fill("#note", "two blasts, upper left");
      await page.fill("#reviewer", "lab-2");
      await page.fill("#case", "case-0042");
      const posted = page.waitForResponse((r) => r.url().endsWith("/v1/feedback"));
      await page.getByRole("button", { name: "Record: normal" }).click();
      const res = await posted;
      assert.equal(res.status(), 201);
      assert.equal(res.request().headers()["authorization"], `Bearer ${KEY}`);
      assert.deepEqual(JSON.parse(res.request().postData() ?? "{}"), {
        requestId: allRequestId,
        inputSha256: (await api(ALL_FIELD)).input.sha256,
        label: "normal",
        note: "two blasts, upper left",
        reviewer: "lab-2",
        caseId: "case-0042",
      });
      await page.locator("#fbstatus .ok").waitFor();
      assert.match(
        await page.locator("#fbstatus").textContent() ?? "",
        /^Recorded: normal \(differs from the model's all\)/,
      );

      const listed = await fetch(`${base}/v1/feedback`, { headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(listed.status, 200);
      const records = (await listed.text()).trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(
        records.map((
          r,
        ) => [r.prediction.requestId, r.prediction.route, r.prediction.label, r.label, r.note, r.reviewer, r.caseId]),
        [[allRequestId, "/v1/explain", "all", "normal", "two blasts, upper left", "lab-2", "case-0042"]],
      );
    });

    await t.step("a feedback the store refuses is reported as not recorded", async () => {
      await page.route("**/v1/feedback", (route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({
            error: { code: "store_unavailable", message: "the feedback store could not be opened" },
          }),
        }));
      await page.getByRole("button", { name: "Record: ALL" }).click();
      await page.locator("#fbstatus .err").waitFor();
      assert.equal(
        await page.locator("#fbstatus").textContent(),
        "Not recorded: store_unavailable: the feedback store could not be opened",
      );
      await page.unroute("**/v1/feedback");
    });

    const mutedStep = async (file: string, decision: string, why: RegExp) => {
      await upload(fixture(file));
      const answer = await api(file);
      assert.equal(answer.decision, decision);
      await page.locator("#result .badge").waitFor();
      assert.equal(await page.locator("#result .badge").textContent(), decision.toUpperCase());
      assert.equal(await page.locator("#heatctl").isVisible(), true);
      assert.equal(await page.locator("#toggle").isChecked(), false, "muted: the toggle starts off");
      assert.equal(await heat.isHidden(), true, "muted: the heatmap is hidden");
      assert.match(await page.locator("#muted").textContent() ?? "", why);
      assert.equal(await page.locator("#note").inputValue(), "", "a new result starts a new label");
      assert.equal(await page.locator("#fbstatus").textContent(), "");
      await page.locator("#toggle").check();
      assert.equal(await heat.isVisible(), true, "the toggle still shows it");
      const overlay = await image("#heat");
      assert.equal(overlay.src, answer.heatmap);
      assert.equal(overlay.opacity, "0.35");
      assert.deepEqual([overlay.w, overlay.h], [answer.input.width, answer.input.height]);
      assert.deepEqual(await heat.boundingBox(), await page.locator("#img").boundingBox());
      return answer;
    };

    await t.step("a normal answer: the heatmap is muted (hidden by default, toggle shows it)", async () => {
      await mutedStep(BENIGN_FIELD, "normal", /answer is normal/);
    });

    await t.step("an out-of-domain review: muted too, with the reasons listed", async () => {
      const answer = await mutedStep(CNMC_CELL, "review", /outside the model's domain/);
      await page.locator("#celllist li").first().waitFor();
      assert.equal(await page.locator("#boxes g.cell").count(), 1, "a C-NMC cell: one box");
      assert.deepEqual(
        await page.locator("#boxes g.cell rect:not(.halo)").evaluate((r) =>
          ["x", "y", "width", "height"].map((k) => Number(r.getAttribute(k)))
        ),
        Object.values((await cellsApi(CNMC_CELL)).cells[0].box),
      );
      assert.ok(answer.reasons.some((r: string) => r.startsWith("out_of_domain")), answer.reasons.join("; "));
      const items = await page.locator("#result li").allTextContents();
      assert.deepEqual(items, answer.reasons);
      assert.ok((await page.locator("#result").textContent())?.includes("png 450×450"));
    });

    await t.step("an upload the service refuses clears the previous result", async () => {
      assert.equal(await page.locator("#view").isVisible(), true);
      const response = await upload(bogus);
      assert.equal(response.status(), 400);
      const status = page.locator("#status .err");
      await status.waitFor();
      assert.match(await status.textContent() ?? "", /^corrupt_image: /);
      assert.equal(await page.locator("#view").isHidden(), true, "no preview left");
      assert.equal(await page.locator("#img").getAttribute("src"), null);
      assert.equal(await heat.getAttribute("src"), null, "no heatmap left");
      assert.equal(await page.locator("#result").innerHTML(), "", "no scores left");
      assert.equal(await page.locator("#heatctl").isHidden(), true);
      assert.equal(await page.locator("#feedback").isHidden(), true, "no label form for a result that is gone");
      assert.equal(await page.locator("#boxes g.cell").count(), 0, "no cell boxes left");
      assert.equal(await page.locator("#cells").isHidden(), true, "no cells list left");
    });

    await t.step("no CSP violation, script error, favicon 404 or unexpected failed request", async () => {
      assert.deepEqual(await page.evaluate("globalThis.__csp"), []);
      assert.deepEqual(failed, []);
      assert.deepEqual(refused, ["503 /v1/feedback", "400 /v1/explain"], "only the two failures caused on purpose");
      // Chromium logs each refused fetch as a console error, and its own /favicon.ico probe (not a
      // page request) only there: a page without its icon link fails here with that 404.
      assert.deepEqual(
        pageErrors.filter((e) => !/^Failed to load resource: the server responded with a status of (503|400) /.test(e)),
        [],
      );
      assert.equal(pageErrors.length, 2, pageErrors.join("\n"));
    });
  } finally {
    await browser?.close();
    await server.shutdown();
    await server.finished;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    await Deno.remove(bogus).catch(() => {});
  }
});

Deno.test({
  name: "browser: / names a lab's recalibrated model and lists its warning (recalibrated without patient ids)",
  ignore: !haveChromium && !required,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  assert.ok(haveChromium, `REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  const dir = await Deno.makeTempDir({ prefix: "browser_recal_" });
  const served = new URL(DEFAULT_MODEL, root).pathname;
  const card = JSON.parse(await Deno.readTextFile(served.replace(/\.onnx$/, ".json")));
  const base = card.version.split("+")[0];
  await Deno.copyFile(served, `${dir}/lab.int8.onnx`);
  await Deno.writeTextFile(
    `${dir}/lab.int8.json`,
    JSON.stringify({
      ...card,
      file: "lab.int8.onnx",
      version: `${base}+lab.lab-a`,
      recalibration: { lab: "Lab A", images: { all: 30, normal: 25, patients: 55, patientIds: false } },
    }),
  );
  const server = serve(
    loadConfig({ PORT: "0", HOST: "127.0.0.1", MODEL: `${dir}/lab.int8.onnx`, FEEDBACK_DB: ":memory:" }),
    () => {},
  );
  const profile = await Deno.makeTempDir({ prefix: "browser_test_profile_" });
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  try {
    await server.ready;
    browser = await launch(profile);
    const page = browser.pages()[0] ?? await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.locator("#served", { hasText: "Model " }).waitFor({ timeout: 10_000 });
    assert.equal(
      await page.locator("#served").textContent(),
      `Model all-screen ${base}+lab.lab-a (operating point recalibrated for the lab lab-a)`,
    );
    assert.equal(await page.locator("#warnings").isHidden(), false);
    const items = page.locator("#warnings li");
    assert.equal(await items.count(), 1);
    assert.equal(await items.first().getAttribute("data-code"), "recalibrated_without_patients");
    assert.match(
      await items.first().textContent() ?? "",
      /^the operating point was recalibrated for Lab A on 55 images/,
    );
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await server.shutdown();
    await server.finished;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
