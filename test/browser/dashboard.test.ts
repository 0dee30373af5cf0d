/**
 * The dashboard in a real browser: what a reader sees and can do. Screenshots go to test-artifacts/;
 * UPDATE_DASHBOARD_PNG=1 also rewrites docs/dashboard.png (the README's picture) from the port map.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DASHBOARD_NOW,
  PENDING_ROUTER,
  seedDashboardFleet,
  TWO_DAYS_AGO,
  XSS,
} from "../fixtures/dashboard-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { launchChromium, listen, runBrowserTests } from "../helpers/browser.js";

const ARTIFACTS = "test-artifacts";

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let page: Page;
/** alert() calls: an injected script that ran would show here */
const dialogs: string[] = [];

const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

describe.skipIf(!runBrowserTests)("the dashboard in chromium", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await createHarness({ now: () => DASHBOARD_NOW, staleAfterSeconds: 7 * 86_400 });
    await h.reset();
    await seedDashboardFleet(h);
    const created = await h.mutate("tokens.createRead", { name: "browser" });
    if (!created.ok) throw new Error(created.error.message);
    server = await listen(h);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // Signing in is the token form, as a reader would: the cookie carries the token from then on.
    await page.goto(`${server.url}/session`);
    await page.getByLabel("Token", { exact: true }).fill(created.data.token);
    await page.getByRole("button", { name: "Use this token" }).click();
    await page.waitForURL(`${server.url}/`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it("lists every cluster on the fleet overview", async () => {
    const clusters = page.locator("section[aria-labelledby=fleet-heading] tbody th[scope=row]");
    expect(await clusters.allTextContents()).toEqual(["prod-eu", "stage-us"]);
    await shot("overview");
  });

  it("shows the blocked router in the cluster's port grid and its blockers", async () => {
    await page.getByRole("link", { name: "prod-eu" }).click();
    const row80 = page.locator("table.grid tbody tr", { has: page.getByRole("link", { name: "80/TCP", exact: true }) });
    expect(await row80.textContent()).toContain(`pending openshift-ingress/${PENDING_ROUTER}`);
    expect(await row80.locator("td.cell-held").count()).toBe(6);
    expect(await page.locator(".conflicts").textContent()).toContain(
      "router-default-5d8f7c9b4-w1 (Deployment router-default) holds 80/TCP",
    );
    await shot("cluster");
    if (process.env.UPDATE_DASHBOARD_PNG) await page.screenshot({ path: "docs/dashboard.png" });
  });

  it("shows router-default as a `none` row of the headroom table", async () => {
    const none = page.locator("section[aria-labelledby=headroom-heading] tbody tr.row-none");
    expect(await none.locator("th").allTextContents()).toEqual([
      "openshift-ingress/router-default (Deployment)",
    ]);
    expect(await none.locator(".status").textContent()).toBe("none");
  });

  it("renders markup from a cluster's scheduler message as text", async () => {
    const message = page.locator(".message");
    expect(await message.textContent()).toContain(XSS);
    expect(await page.locator(".message img, main img").count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("moves the port map to another instant with the time control", async () => {
    const row9090 = page.locator("table.grid tbody th", { hasText: "9090/TCP" });
    expect(await row9090.count()).toBe(1);
    await page.getByLabel("As of (UTC)").fill(TWO_DAYS_AGO.slice(0, 16));
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/asOf=2026-11-25T12%3A00/);
    expect(await page.locator("#time-state").textContent()).toBe(`Showing ${TWO_DAYS_AGO}`);
    expect(await row9090.count()).toBe(0);
    expect(await page.locator("table.grid tbody th", { hasText: "9100/TCP" }).count()).toBe(1);
    await shot("cluster-two-days-ago");
  });

  it("finds port 9100 in several clusters", async () => {
    await page.getByRole("link", { name: "Now" }).click();
    await page.getByRole("link", { name: "Who uses a port" }).click();
    await page.getByLabel("Host port").fill("9100");
    await page.getByRole("button", { name: "Look up" }).click();
    expect(await page.locator(".summary").textContent()).toBe("18 allocations of port 9100 in 2 clusters.");
    const clusters = page.locator("section[aria-labelledby=by-cluster] tbody th");
    expect(await clusters.allTextContents()).toEqual(["prod-eu", "stage-us"]);
    await shot("port-9100");
  });

  it("draws the allocation trend's points", async () => {
    await page.goto(`${server.url}/trends?port=9090&window=7d`);
    const chart = page.locator("#allocations-chart");
    await chart.locator("canvas").waitFor();
    expect(await chart.getAttribute("data-drawn-points")).toBe("169");
    // Some of the canvas is painted: the series' line, not only an empty frame.
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
