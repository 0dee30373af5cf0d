import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_COST } from "../../src/api/dashboard/limits.js";
import {
  DASHBOARD_NOW,
  ONE_DAY_AGO,
  PENDING_ROUTER,
  seedDashboardFleet,
  TWO_DAYS_AGO,
  XSS,
} from "../fixtures/dashboard-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { readToken as createReadToken, DEFAULT_LIMITS } from "../helpers/limits.js";

let h: Harness;
let readToken: string;
beforeAll(async () => {
  h = await createHarness({ now: () => DASHBOARD_NOW, staleAfterSeconds: 7 * 86_400 });
  await h.reset();
  await seedDashboardFleet(h);
  const created = await h.mutate("tokens.createRead", { name: "dashboard" });
  if (!created.ok) throw new Error(created.error.message);
  readToken = created.data.token;
});
afterAll(() => h.close());

/** A page as a signed-in browser gets it: the read token in the dashboard's cookie. */
async function page(path: string) {
  const res = await h.app.request(path, { headers: { cookie: `portolan_token=${readToken}` } });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

/** The text of the element with this id, tags stripped (enough for the server's own markup). */
function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `no #${id}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</section>", start));
}

describe("dashboard pages", () => {
  it("asks for a token, with 401, when the request carries none", async () => {
    const res = await h.app.request("/");
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('action="/session"');
  });

  it("keeps a good token in an HttpOnly SameSite=Strict cookie and refuses an unknown one", async () => {
    const form = (token: string) =>
      h.app.request("/session", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
        body: new URLSearchParams({ token }).toString(),
      });
    const good = await form(readToken);
    expect(good.status).toBe(303);
    expect(good.headers.get("set-cookie")).toMatch(
      /^portolan_token=ptl_read_[^;]+;.*HttpOnly.*SameSite=Strict/,
    );
    const bad = await form("ptl_read_nobody");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
  });

  it.each([
    [{ origin: "https://evil.example" }, 403],
    [{ origin: "null", "sec-fetch-site": "cross-site" }, 403],
    [{}, 403],
    [{ origin: "null", "sec-fetch-site": "same-origin" }, 303],
  ])("answers a token form posted with %j with %i", async (headers, status) => {
    const res = await h.app.request("/session", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ token: readToken }).toString(),
    });
    expect(res.status).toBe(status);
  });

  it("lists every cluster with its counts and worst headroom", async () => {
    const { status, html } = await page("/");
    expect(status).toBe(200);
    const fleet = section(html, "fleet-heading");
    expect(fleet).toContain(">prod-eu</a>");
    expect(fleet).toContain(">stage-us</a>");
    expect(fleet).toContain('href="/clusters/prod-eu"');
    expect(fleet).toMatch(/status-none">none</);
  });

  it("counts each cluster as it was at asOf, and links keep asOf", async () => {
    const html = section((await page(`/?asOf=${encodeURIComponent(TWO_DAYS_AGO)}`)).html, "fleet-heading");
    const nodes = (cluster: string) =>
      new RegExp(`>${cluster}</a>[\\s\\S]*?<td class="num">(\\d+)</td>`).exec(html)?.[1];
    expect(nodes("prod-eu")).toBe("9");
    expect(nodes("stage-us")).toBe("0");
    expect(html).toContain('href="/clusters/prod-eu?asOf=2026-11-25T12%3A00%3A00.000Z"');
  });

  it("draws the port grid with held, free and pending cells and the blocked router", async () => {
    const html = (await page("/clusters/prod-eu")).html;
    const grid = section(html, "grid-heading");
    expect(grid).toContain("80/TCP");
    expect(grid).toContain(`pending ${PENDING_ROUTER}`);
    expect(grid).toContain('class="cell-held"');
    expect(grid).toContain('class="cell-free">free<');
    expect(section(html, "conflicts-heading")).toContain(PENDING_ROUTER);
  });

  it("moves the port map to asOf: 9090 is absent two days ago", async () => {
    const now = section((await page("/clusters/prod-eu")).html, "grid-heading");
    const then = section(
      (await page(`/clusters/prod-eu?asOf=${encodeURIComponent(TWO_DAYS_AGO)}`)).html,
      "grid-heading",
    );
    expect(now).toContain("9090/TCP");
    expect(then).not.toContain("9090/TCP");
    expect(then).toContain("9100/TCP");
  });

  it("accepts the time control's datetime-local value as UTC", async () => {
    const html = (await page(`/clusters/prod-eu?asOf=${ONE_DAY_AGO.slice(0, 16)}`)).html;
    expect(html).toContain("Showing 2026-11-26T12:00:00.000Z");
  });

  it("answers 400 for an asOf that is not an instant", async () => {
    expect((await page("/clusters/prod-eu?asOf=yesterday")).status).toBe(400);
  });

  it("answers 404 for an unknown cluster", async () => {
    const { status, html } = await page("/clusters/nowhere");
    expect(status).toBe(404);
    expect(html).toContain('cluster "nowhere"'.replace(/"/g, "&quot;"));
  });

  it("colours the headroom table none / low / ok with no DaemonSet row", async () => {
    const headroom = section((await page("/clusters/prod-eu")).html, "headroom-heading");
    expect(headroom).toMatch(/openshift-ingress\/router-default \(Deployment\)[\s\S]*status-none">none</);
    expect(headroom).toContain('status-low">low<');
    expect(headroom).toContain('status-ok">ok<');
    expect(headroom).not.toContain("node-exporter");
  });

  it("finds 9100 in both clusters with the summary", async () => {
    const html = (await page("/ports?port=9100")).html;
    expect(html).toContain("18 allocations of port 9100 in 2 clusters.");
    expect(section(html, "by-cluster")).toMatch(/prod-eu[\s\S]*stage-us/);
  });

  it("keeps asOf in a view's own form and in its links", async () => {
    const html = (await page(`/ports?port=9100&asOf=${encodeURIComponent(TWO_DAYS_AGO)}`)).html;
    const form = html.slice(
      html.indexOf('action="/ports" class="inline-form"'),
      html.indexOf("</form>", html.indexOf('action="/ports" class="inline-form"')),
    );
    expect(form).toContain(`<input type="hidden" name="asOf" value="${TWO_DAYS_AGO}"/>`);
    expect(html).toContain("9 allocations of port 9100 in 1 clusters.");
    expect(section(html, "by-cluster")).toContain(
      'href="/clusters/prod-eu?asOf=2026-11-25T12%3A00%3A00.000Z"',
    );
  });

  it("gives the trend chart its points", async () => {
    const html = (await page("/trends?port=9090&window=7d")).html;
    const data = /data-chart="([^"]*)"/.exec(html)?.[1] ?? "";
    const chart = JSON.parse(data.replace(/&quot;/g, '"')) as {
      x: number[];
      series: { values: (number | null)[] }[];
    };
    // The fixture's history is shorter than the 7-day window: the chart starts at its first push,
    // with a known value, instead of a run of zeros ramping up to it.
    expect(chart.x.length).toBeGreaterThan(1);
    expect(chart.x.length).toBeLessThan(169);
    expect(chart.series[0]?.values[0]).not.toBeNull();
    // monitoring-proxy: 3 workers in each cluster since yesterday
    expect(chart.series[0]?.values.at(-1)).toBe(6);
  });

  it("charts a workload's headroom beside its allocations", async () => {
    const html = (
      await page(
        "/trends?cluster=prod-eu&namespace=openshift-ingress&kind=Deployment&name=router-default&window=1d",
      )
    ).html;
    const charts = [...html.matchAll(/data-chart="([^"]*)"/g)].map(
      (m) =>
        JSON.parse((m[1] ?? "").replace(/&quot;/g, '"')) as { series: { label: string; values: number[] }[] },
    );
    expect(charts).toHaveLength(2);
    const headroom = charts[1]?.series.find((s) => s.label === "headroom");
    expect(headroom?.values.at(-1)).toBe(0);
    expect(html).toContain("Headroom: openshift-ingress/router-default (Deployment) in prod-eu, last 1d");
  });

  it("lists free ranges in the planner", async () => {
    const html = (await page("/plan?width=3&min=9000&max=9200")).html;
    expect(section(html, "ranges-heading")).toContain("9000–9002");
  });

  it("renders markup from a cluster as text on every page that shows it", async () => {
    const html = (await page("/clusters/prod-eu")).html;
    expect(html).not.toContain(XSS);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});

describe("dashboard pages under request limits", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await createHarness({
      limits: { ...DEFAULT_LIMITS, reads: { perSecond: 0.001, burst: PAGE_COST + 5 } },
    });
  });
  afterAll(() => limited.close());

  it("spend the token's query budget: a page costs PAGE_COST calls, shared with /trpc", async () => {
    const token = await createReadToken(limited, "pages");
    const headers = { cookie: `portolan_token=${token}` };
    expect((await limited.app.request("/", { headers })).status).toBe(200);
    const refused = await limited.app.request("/", { headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    // The same bucket: 5 calls are left for /trpc, not a fresh budget.
    const calls = [];
    for (let i = 0; i < 6; i++) calls.push((await limited.query("clusters.list", {}, token)).status);
    expect(calls).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("leave the dashboard's files unmetered", async () => {
    for (let i = 0; i < 3; i++) expect((await limited.app.request("/dashboard/uplot.js")).status).toBe(200);
  });
});
