/**
 * Every dashboard view in chromium at a desktop width (1440 px) and a phone width (390 px), on the demo
 * fleet: nothing spills past the viewport (wide tables scroll inside their own card), truncated text
 * keeps its full text reachable, the overview leads with the 9100 clash, the cluster page has its legend,
 * and the planner's manifest is an unwrapped block that its Copy button copies.
 * Screenshots go to test-artifacts/viewports/; UPDATE_DASHBOARD_PNG=1 also rewrites docs/screens/.
 */
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/app.js";
import { launchChromium, listen, runBrowserTests, signIn } from "../helpers/browser.js";
import { seededDemo } from "../helpers/demo.js";

const ARTIFACTS = "test-artifacts/viewports";
const SCREENS = "docs/screens";
const NOW = new Date("2026-11-30T12:00:00Z");

const VIEWS = [
  { name: "overview", path: "/" },
  { name: "cluster-stage-eu-1", path: "/clusters/stage-eu-1" },
  { name: "cluster-prod-eu-1", path: "/clusters/prod-eu-1" },
  { name: "port-9100", path: "/ports?port=9100" },
  { name: "trends", path: "/trends?cluster=prod-eu-1&port=10080&window=30d" },
  { name: "plan", path: "/plan?width=4" },
  { name: "ingress-plan", path: "/plan?icName=shard-c&icClusters=prod-eu-1&icReplicas=2" },
  { name: "sign-in", path: "/session" },
] as const;

const WIDTHS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
] as const;

/** Visible elements whose right edge passes the viewport, other than inside a scrolling (or clipping) box. */
function spills(): string[] {
  const limit = document.documentElement.clientWidth + 0.5;
  const clipped = (el: Element): boolean => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const out: string[] = [];
  for (const el of Array.from(document.body.querySelectorAll("*"))) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= limit || clipped(el)) continue;
    out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
  }
  return out;
}

/** Text cut with an ellipsis and no title or accessible name (on it or an ancestor) that carries it whole. */
function cutWithoutFullText(): string[] {
  const out: string[] = [];
  for (const el of Array.from(document.body.querySelectorAll<HTMLElement>("*"))) {
    if (getComputedStyle(el).textOverflow !== "ellipsis" || el.scrollWidth <= el.clientWidth) continue;
    const text = (el.textContent ?? "").trim();
    const carrier = el.closest("[title],[aria-label]");
    const full = `${carrier?.getAttribute("title") ?? ""} ${carrier?.getAttribute("aria-label") ?? ""}`;
    if (!full.includes(text)) out.push(`${el.tagName.toLowerCase()}.${el.className}: ${text}`);
  }
  return out;
}

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let readToken: string;

describe.skipIf(!runBrowserTests)("every dashboard view at 1440 and 390 px", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    if (process.env.UPDATE_DASHBOARD_PNG) mkdirSync(SCREENS, { recursive: true });
    const demo = await seededDemo(NOW);
    h = demo.h;
    readToken = demo.seeded.readToken;
    server = await listen(h);
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  describe.each(WIDTHS)("at $width px", (viewport) => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      context = await browser.newContext({
        viewport,
        permissions: ["clipboard-read", "clipboard-write"],
      });
      page = await context.newPage();
      await signIn(page, server.url, readToken);
    }, 60_000);
    afterAll(async () => {
      await context?.close();
    });

    it.each(VIEWS)("$name: no horizontal overflow, truncated text keeps its full text", async (view) => {
      await page.goto(`${server.url}${view.path}`);
      await page.waitForLoadState("load");
      if (view.name === "trends") await page.locator("#allocations-chart canvas").waitFor();
      const shot = `${view.name}-${viewport.width}`;
      // The artifact is the whole page at 390 px; docs keep what the first screen shows (small files).
      await page.screenshot({ path: `${ARTIFACTS}/${shot}.png`, fullPage: viewport.width < 600 });
      if (process.env.UPDATE_DASHBOARD_PNG) await page.screenshot({ path: `${SCREENS}/${shot}.png` });
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(await page.evaluate(spills)).toEqual([]);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      expect(await page.evaluate(cutWithoutFullText)).toEqual([]);
    });

    it("leads the overview with its attention list, the 9100 clash first", async () => {
      await page.goto(`${server.url}/`);
      const attention = page.locator("section[aria-labelledby=attention-heading]");
      expect(await attention.isVisible()).toBe(true);
      // The attention list is the first card of the overview.
      expect(await page.locator("main section").first().getAttribute("aria-labelledby")).toBe(
        "attention-heading",
      );
      expect(await attention.locator("li").first().textContent()).toMatch(
        /Host-port conflict.*prometheus-node-exporter in stage-eu-1 Pending on 9100\/TCP/,
      );
    });

    it("shows the cluster page's legend", async () => {
      await page.goto(`${server.url}/clusters/stage-eu-1`);
      await page.locator(".legend").scrollIntoViewIfNeeded();
      expect(await page.locator(".legend").isVisible()).toBe(true);
    });

    it("shows the manifest as one unwrapped block as wide as its card, copied by its Copy button", async () => {
      await page.goto(`${server.url}${VIEWS[6].path}`);
      const manifest = page.locator("pre#ic-manifest");
      const box = await manifest.evaluate((el) => {
        const card = (el.closest("section") as HTMLElement).getBoundingClientRect();
        return {
          whiteSpace: getComputedStyle(el).whiteSpace,
          overflowX: getComputedStyle(el).overflowX,
          width: el.getBoundingClientRect().width,
          cardWidth: card.width,
        };
      });
      expect(box.whiteSpace).toBe("pre");
      expect(box.overflowX).toBe("auto");
      // full width: the card's content box (the card less its padding and border)
      expect(box.width).toBeGreaterThan(box.cardWidth - 40);
      const text = (await manifest.textContent()) ?? "";
      expect(text).toMatch(/^apiVersion: operator\.openshift\.io\/v1\n/);
      await page.getByRole("button", { name: "Copy manifest" }).click();
      await expect.poll(() => page.locator("[data-copy=ic-manifest]").textContent()).toBe("Copied");
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
    });
  });

  it("without the clipboard API, Copy selects the whole manifest for Ctrl+C", async () => {
    const context = await browser.newContext({ viewport: WIDTHS[1] });
    try {
      await context.addInitScript(() => Object.defineProperty(navigator, "clipboard", { value: undefined }));
      const page = await context.newPage();
      await signIn(page, server.url, readToken);
      await page.goto(`${server.url}${VIEWS[6].path}`);
      await page.getByRole("button", { name: "Copy manifest" }).click();
      expect(await page.locator("[data-copy=ic-manifest]").textContent()).toMatch(
        /^(Copied|Selected: press Ctrl\+C)$/,
      );
      // the selection's text ends without the block's last newline
      expect(await page.evaluate(() => String(window.getSelection()).trim())).toBe(
        ((await page.locator("#ic-manifest").textContent()) ?? "").trim(),
      );
    } finally {
      await context.close();
    }
  });
});
