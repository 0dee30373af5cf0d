/**
 * The dashboard in a real browser, on the demo fleet (src/demo): what a reader sees and can do.
 * Screenshots go to test-artifacts/; UPDATE_DASHBOARD_PNG=1 also rewrites docs/dashboard.png (the
 * README's picture) from the blocked router's cluster.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTML_PROBE } from "../../src/demo/fleet.js";
import type { Harness } from "../helpers/app.js";
import { launchChromium, listen, runBrowserTests, signIn } from "../helpers/browser.js";
import { seededDemo } from "../helpers/demo.js";

const ARTIFACTS = "test-artifacts";
const NOW = new Date("2026-11-30T12:00:00Z");
/** before prod-eu-1's IngressController shard-b (10080/10443/11936, 2026-11-10) */
const BEFORE_SHARD_B = "2026-11-05T12:00";

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let page: Page;
/** alert() calls: an injected script that ran would show here */
const dialogs: string[] = [];

const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
const gridRow = (port: string) =>
  page.locator("table.grid tbody tr", { has: page.getByRole("link", { name: port, exact: true }) });

describe.skipIf(!runBrowserTests)("the dashboard in chromium", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const demo = await seededDemo(NOW);
    h = demo.h;
    server = await listen(h);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // Signing in is the token form, as a reader would: the cookie carries the token from then on.
    await signIn(page, server.url, demo.seeded.readToken);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it("lists every cluster on the fleet overview, the silent one stale", async () => {
    const rows = page.locator("section[aria-labelledby=fleet-heading] tbody tr");
    expect(await rows.locator("th").allTextContents()).toEqual([
      "dev-eu-1",
      "edge-ap-1",
      "prod-eu-1",
      "prod-us-1",
      "stage-eu-1",
    ]);
    expect(await rows.filter({ hasText: "edge-ap-1" }).locator(".status").first().textContent()).toBe(
      "stale",
    );
    await shot("overview");
  });

  it("leads the overview with the 9100 clash, and its link opens the cluster's conflicts", async () => {
    const first = page.locator("section[aria-labelledby=attention-heading] li").first();
    expect(await first.textContent()).toMatch(
      /Host-port conflict.*2 pods of DaemonSet monitoring\/prometheus-node-exporter in stage-eu-1 Pending on 9100\/TCP/,
    );
    await first.getByRole("link", { name: "conflicts" }).click();
    await page.waitForURL(/\/clusters\/stage-eu-1#conflicts-heading$/);
    expect(await page.locator(".conflicts").textContent()).toContain("prometheus-node-exporter");
    await page.goto(`${server.url}/`);
  });

  it("shows the blocked router in the cluster's port grid and its blockers", async () => {
    await page.getByRole("link", { name: "prod-us-1" }).click();
    const row80 = gridRow("80/TCP");
    expect(await row80.locator(".pending").textContent()).toMatch(/pending router-internal-/);
    // Two workloads share 80: each held cell names the one on its node.
    expect(new Set(await row80.locator("td.cell-held").allTextContents())).toEqual(
      new Set(["router-default", "router-internal"]),
    );
    const conflicts = page.locator(".conflicts");
    expect(await conflicts.textContent()).toContain("6 eligible nodes, 6 blocked, 0 free.");
    await shot("cluster-prod-us-1");
    if (process.env.UPDATE_DASHBOARD_PNG) await page.screenshot({ path: "docs/dashboard.png" });
  });

  it("shows IngressController internal (router-internal folded in) as a `none` row of the headroom table", async () => {
    const none = page.locator("section[aria-labelledby=headroom-heading] tbody tr.row-none");
    const rows = await none.locator("th").allTextContents();
    expect(rows).toContain("openshift-ingress-operator/internal (IngressController)");
    expect(rows).not.toContain("openshift-ingress/router-internal (Deployment)");
    expect(await none.first().locator(".status").textContent()).toBe("none");
  });

  it("renders markup from a cluster's scheduler message as text", async () => {
    await page.goto(`${server.url}/clusters/dev-eu-1`);
    expect(await page.locator(".message").allTextContents()).toContainEqual(
      expect.stringContaining(HTML_PROBE),
    );
    expect(await page.locator("main img").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await shot("cluster-dev-eu-1");
  });

  it("moves the port map to another instant with the time control's date field", async () => {
    await page.goto(`${server.url}/clusters/prod-eu-1`);
    expect(await gridRow("10080/TCP").count()).toBe(1);
    await page.getByLabel("As of (UTC)").fill(BEFORE_SHARD_B);
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/asOf=2026-11-05T12%3A00/);
    expect(await page.locator("#time-state").textContent()).toBe("Showing 2026-11-05T12:00:00.000Z");
    expect(await gridRow("10080/TCP").count()).toBe(0);
    expect(await gridRow("80/TCP").count()).toBe(1);
    await shot("cluster-prod-eu-1-before-shard-b");
  });

  it("moves the view with the slider from the keyboard, keeping the view's parameters", async () => {
    // the node columns after "a": every node of the cluster, named so the parameter is in the URL
    await page.goto(`${server.url}/clusters/prod-eu-1?nodesAfter=a`);
    await page.getByLabel("Days ago").focus();
    for (let i = 0; i < 25; i++) await page.keyboard.press("ArrowRight");
    expect(await page.locator("#daysAgoValue").textContent()).toBe("25 d ago");
    await page.keyboard.press("Enter");
    await page.waitForURL(/asOf=2026-11-05T12%3A00/);
    expect(page.url()).toContain("nodesAfter=a");
    expect(await gridRow("10080/TCP").count()).toBe(0);
  });

  it("finds port 9100 in several clusters", async () => {
    await page.getByRole("link", { name: "Now" }).click();
    await page.getByRole("link", { name: "Who uses a port" }).click();
    await page.getByLabel("Host port").fill("9100");
    await page.getByRole("button", { name: "Look up" }).click();
    const summary = /^(\d+) allocations of port 9100 in (\d+) clusters\.$/.exec(
      (await page.locator(".summary").textContent()) ?? "",
    );
    expect(Number(summary?.[2])).toBeGreaterThanOrEqual(4);
    const clusters = page.locator("section[aria-labelledby=by-cluster] tbody th");
    expect(await clusters.count()).toBe(Number(summary?.[2]));
    await shot("port-9100");
  });

  it("draws the allocation trend's points", async () => {
    await page.goto(`${server.url}/trends?cluster=prod-eu-1&port=10080&window=30d`);
    const chart = page.locator("#allocations-chart");
    await chart.locator("canvas").waitFor();
    // 30 days by 6h is 121 points; the first falls before prod-eu-1's first push (the chart starts there)
    expect(await chart.getAttribute("data-drawn-points")).toBe("120");
    // Some of the canvas is painted: the series' lines, not only an empty frame.
    const painted = await chart.locator("canvas").evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height) ?? {
        data: [],
      };
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(500);
    await shot("trends");
  });
});
