/**
 * The port grid's observed-listener marks in a real browser (Debian chromium, under the dashboard's
 * CSP): the will-crash cell stands out, observed-only rows and unobserved nodes are marked, the
 * legend explains them, and a process name with markup stays text. Screenshot: test-artifacts/.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRID_CLUSTER, HOSTILE_PROCESS, observedGridSnapshot } from "../fixtures/observed-grid.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { launchChromium, listen, runBrowserTests, signIn } from "../helpers/browser.js";

const ARTIFACTS = "test-artifacts";
const OBSERVED_AT = "2026-12-01T10:00:00Z";

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
/** CSP violations the page reports: an inline style or script of ours would show here */
const violations: string[] = [];

const gridRow = (port: string) =>
  page.locator("table.grid tbody tr", { has: page.getByRole("link", { name: port, exact: true }) });

describe.skipIf(!runBrowserTests)("observed listeners in the port grid, in chromium", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await createHarness({ now: () => new Date("2026-12-01T10:05:00Z") });
    await h.reset();
    const token = await h.register(GRID_CLUSTER);
    const pushed = await h.push(token, observedGridSnapshot(OBSERVED_AT));
    expect(pushed.status).toBe(200);
    const created = await h.mutate("tokens.createRead", { name: "browser" });
    if (!created.ok) throw new Error(created.error.message);
    server = await listen(h);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await signIn(page, server.url, created.data.token);
    await page.goto(`${server.url}/clusters/${GRID_CLUSTER}`);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it("makes the will-crash cell stand out, with the process name as text", async () => {
    const risk = gridRow("9100/TCP").locator("td.cell-risk");
    expect(await risk.count()).toBe(1);
    expect(await risk.locator(".obs-risk").textContent()).toBe(`⚠ ${HOSTILE_PROCESS}`);
    // The mark is drawn: a filled red badge, outlined cell (the stylesheet applies under the CSP).
    const badge = await risk.locator(".obs-risk").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(badge).toBe("rgb(165, 14, 14)");
    expect(await risk.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
    expect(await page.locator("main img").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/cluster-observed-listeners.png`, fullPage: true });
  });

  it("marks the node's own socket, observed-only rows and the unobserved node apart from free ones", async () => {
    const row9100 = gridRow("9100/TCP");
    expect(await row9100.locator("td.cell-held .obs-declared").count()).toBe(2);
    expect(await row9100.locator("td.cell-free.cell-unobserved").textContent()).toBe("free n/o");
    for (const port of ["22/TCP", "29103/TCP"]) {
      expect(await gridRow(port).locator(".status-observed").textContent()).toBe("observed only");
    }
    expect(await gridRow("29103/TCP").locator(".obs-undeclared").allTextContents()).toEqual([
      "obs ovnkube",
      "obs ovnkube",
    ]);
    const headers = page.locator("table.grid thead th.node");
    expect(await headers.locator(".unobs").count()).toBe(1);
    expect(
      await headers
        .filter({ has: page.locator(".unobs") })
        .locator("span")
        .first()
        .textContent(),
    ).toBe("w3");
  });

  it("explains every mark in the legend", async () => {
    const legend = page.locator(".legend");
    // One legend for the whole grid: 9 cell marks, 8 row and column marks (held/free counts, eligible, DaemonSet, static pod, pending, cordoned, observed only).
    expect(await legend.locator("dt").count()).toBe(17);
    expect(await legend.textContent()).toContain("crash-loops");
    expect(await legend.textContent()).toContain("a wildcard bind of the port (0.0.0.0) fails on them");
    expect(await legend.locator(".obs-risk").isVisible()).toBe(true);
  });
});
