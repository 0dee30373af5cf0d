/**
 * The port grid reads without guessing, in a real browser (Debian chromium) on the demo fleet: the
 * legend is there and reachable from above the grid, a name the stylesheet cuts short is readable in
 * full (its text and tooltip), the DaemonSet row is worded as one, and the cordoned worker's column is
 * marked. Screenshot: test-artifacts/.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/app.js";
import { launchChromium, listen, runBrowserTests, signIn } from "../helpers/browser.js";
import { seededDemo } from "../helpers/demo.js";

const ARTIFACTS = "test-artifacts";
const NOW = new Date("2026-11-30T12:00:00Z");
const CLUSTER = "stage-eu-1";

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let page: Page;

const gridRow = (port: string) =>
  page.locator("table.grid tbody tr", { has: page.getByRole("link", { name: port, exact: true }) });

describe.skipIf(!runBrowserTests)("the port grid's legend and full names, in chromium", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const demo = await seededDemo(NOW);
    h = demo.h;
    server = await listen(h);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signIn(page, server.url, demo.seeded.readToken);
    await page.goto(`${server.url}/clusters/${CLUSTER}`);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it("shows one legend, reached from the link above the grid", async () => {
    expect(await page.locator(".legend").count()).toBe(1);
    await page.getByRole("link", { name: "What the cells and numbers mean" }).click();
    await page.waitForURL(/#grid-legend$/);
    const legend = page.locator("#grid-legend");
    expect(await legend.isVisible()).toBe(true);
    // Scrolled to: the legend's heading is in the viewport (its top at the fragment, within a pixel).
    const inView = await legend.locator("h3").evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top > -1 && r.bottom < window.innerHeight;
    });
    expect(inView).toBe(true);
    const terms = await legend.locator("dd").allTextContents();
    for (const meaning of ["held:", "free:", "none:", "not observed:", "declared-only:", "will crash:"]) {
      expect(
        terms.some((t) => t.startsWith(meaning)),
        meaning,
      ).toBe(true);
    }
    await page.screenshot({ path: `${ARTIFACTS}/cluster-grid-legend.png`, fullPage: true });
  });

  it("lets a name cut short be read in full: the cell's text and its tooltip", async () => {
    const cell = gridRow("53/TCP").locator("td.cell-held").first();
    const cut = await cell.evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(cut).toBe(true);
    expect(await cell.textContent()).toBe("node-local-dns");
    expect(await cell.getAttribute("title")).toContain("node-local-dns holds 53/TCP");
    // A static pod's cell names the pod, not its node.
    const etcd = gridRow("2379/TCP").locator("td.cell-held").first();
    expect(await etcd.textContent()).toBe("etcd-stage-eu-1-cp-0");
    expect(await etcd.getAttribute("title")).toBe(
      "stage-eu-1-cp-0: static pod etcd-stage-eu-1-cp-0 holds 2379/TCP",
    );
  });

  it("words node-exporter's row as a DaemonSet, its pending pods flagged, and marks the cordoned worker", async () => {
    const row = gridRow("9100/TCP");
    const heldBy = (await row.locator("td").first().textContent()) ?? "";
    expect(heldBy).toContain("monitoring/prometheus-node-exporter (DaemonSet, 9)");
    expect(heldBy).toContain("DaemonSet · on every eligible node");
    expect(heldBy).toMatch(/runs on 9 of the cluster's 11 nodes; 2 pending/);
    expect(await row.locator("td.pending .status-none").count()).toBe(2);
    // A row only DaemonSets hold has no free count, so no red 0.
    const dns = gridRow("53/TCP");
    expect(await dns.locator("td.status-none").count()).toBe(0);
    expect(await dns.locator("td.num").nth(1).textContent()).toBe("n/a");
    const cordoned = page.locator("table.grid th.node", { hasText: "stage-eu-1-worker-7" });
    expect(await cordoned.locator(".node-state").textContent()).toBe("cordoned");
    await gridRow("9100/TCP").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/cluster-grid-daemonset.png` });
  });
});
