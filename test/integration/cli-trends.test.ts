/**
 * `portolan trends …` and `portolan report trends` against the real app with a known history: the
 * chart, summary and changes people read, the CSV and JSON scripts read, and usage errors (exit 2,
 * nothing sent).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hostNetworkPod, snapshot } from "../fixtures/snapshots.js";
import { at, exporter, pendingRouter, router, workers } from "../fixtures/trend-history.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { type LoopbackServer, listenOnLoopback } from "../helpers/loopback-server.js";

let h: Harness;
let server: LoopbackServer;
let url: string;
let clock = new Date("2026-11-27T00:00:00Z");
let requests = 0;

beforeAll(async () => {
  h = await createHarness({ now: () => clock });
  server = await listenOnLoopback(h.app.fetch);
  url = server.url;
});
afterAll(async () => {
  await server.close();
  await h.close();
});
beforeEach(async () => {
  clock = new Date("2026-11-27T00:00:00Z");
  requests = 0;
  await h.reset();
});

const cli = (...argv: string[]) =>
  runCli(
    [...argv, "--url", url, "--token", h.adminToken],
    {},
    {
      fetch: (input, init) => {
        requests++;
        return fetch(input, init);
      },
    },
  );

/**
 * prod-a (env=prod), 3 workers: 10:00 one exporter, one router · 11:00 three exporters, two routers
 * · 12:00 a third router Pending on host ports · 13:00 it is gone, one exporter left.
 */
async function history() {
  clock = new Date(at(9));
  const token = await h.register("prod-a", { env: "prod" });
  const pushes = [
    [exporter(1), router(1)],
    [exporter(1), exporter(2), exporter(3), router(1), router(2)],
    [exporter(1), exporter(2), exporter(3), router(1), router(2), pendingRouter(3)],
    [exporter(1), router(1), router(2)],
  ];
  for (const [i, pods] of pushes.entries()) {
    clock = new Date(at(10 + i));
    expect((await h.push(token, snapshot("prod-a", at(10 + i), workers(3), pods))).status).toBe(200);
  }
  clock = new Date(at(14));
}

const period = ["--from", at(9), "--to", at(14)];

describe("portolan trends allocations", () => {
  it("prints a chart between its first and last values, min/max/last and the biggest changes with their instants", async () => {
    await history();
    const result = await cli(
      "trends",
      "allocations",
      "--port",
      "9100",
      "--cluster",
      "prod-a",
      ...period,
      "--step",
      "1h",
    );
    expect(result.code).toBe(0);
    expect(result.out.split("\n")).toEqual([
      `allocations of 9100/any protocol in cluster prod-a  ${at(9)} → ${at(14)} (6 points)`,
      // 09:00 is before the first push: a gap, not a 0 ramping up to the first value
      "1  ▁██▁▁ 1",
      `min 1 at ${at(10)} · max 3 at ${at(11)} · last 1 at ${at(14)}`,
      "biggest changes:",
      `      +2  ${at(11)}  1 → 3`,
      `      -2  ${at(13)}  3 → 1`,
      "at the end: 1 pod(s) holding them, 3 node(s) in scope",
    ]);
  });

  it("writes CSV and JSON for scripts", async () => {
    await history();
    const csv = await cli(
      "trends",
      "allocations",
      "--selector",
      "env=prod",
      ...period,
      "--step",
      "2h",
      "--csv",
    );
    expect(csv).toMatchObject({ code: 0 });
    expect(csv.out).toBe(
      ["t,allocations,pods,nodes", `${at(9)},,,`, `${at(11)},5,5,3`, `${at(13)},3,3,3`].join("\n"),
    );
    const json = await cli(
      "trends",
      "allocations",
      "--workload",
      "ingress/Deployment/router",
      ...period,
      "--step",
      "1h",
      "--json",
    );
    const answer = JSON.parse(json.out) as { points: { t: string; allocations: number }[] };
    expect(answer.points.map((p) => p.allocations)).toEqual([null, 1, 2, 2, 2, 2]);
  });

  it("counts nothing outside a selector", async () => {
    await history();
    const result = await cli(
      "trends",
      "allocations",
      "--selector",
      "env=lab",
      ...period,
      "--step",
      "1h",
      "--csv",
    );
    expect(
      result.out
        .split("\n")
        .slice(1)
        .every((line) => line.endsWith(",0,0,0")),
    ).toBe(true);
  });
});

describe("portolan trends headroom", () => {
  it("charts one workload's headroom, blank where it did not exist", async () => {
    await history();
    const result = await cli(
      "trends",
      "headroom",
      "ingress/Deployment/router",
      "--cluster",
      "prod-a",
      ...period,
      "--step",
      "1h",
    );
    expect(result.code).toBe(0);
    const lines = result.out.split("\n");
    expect(lines[0]).toBe(`headroom of ingress/Deployment/router in prod-a  ${at(9)} → ${at(14)} (6 points)`);
    // one router on three workers: 2 more fit; two: 1 more (the pending third changes nothing)
    expect(lines[1]).toBe("2  █▁▁▁▁ 1");
    expect(lines[2]).toBe(`min 1 at ${at(11)} · max 2 at ${at(10)} · last 1 at ${at(14)}`);
    expect(lines).toContain("(blank: 1 point(s) where the workload did not exist)");
  });
});

describe("portolan trends headroom with a selector", () => {
  /** prod-s: routers "router" and "router-internal" in ingress, "web" in apps, on three workers */
  async function routers() {
    clock = new Date(at(9));
    const token = await h.register("prod-s", {});
    const pod = (ns: string, name: string, i: number, port: number) =>
      hostNetworkPod(ns, `${name}-${i}`, `worker-${i}`, [port], { kind: "Deployment", name });
    const pods = [
      pod("ingress", "router", 1, 80),
      pod("ingress", "router-internal", 2, 8443),
      pod("apps", "web", 3, 8080),
    ];
    for (const hour of [10, 11]) {
      clock = new Date(at(hour));
      expect((await h.push(token, snapshot("prod-s", at(hour), workers(3), pods))).status).toBe(200);
    }
    clock = new Date(at(14));
  }

  it("charts each workload the selector matches, one chart each, and CSV/JSON carry them all", async () => {
    await routers();
    const args = ["trends", "headroom", "--cluster", "prod-s", "--namespace", "ingress", "--name", "router*"];
    const chart = await cli(...args, ...period, "--step", "1h");
    expect(chart.code, chart.err).toBe(0);
    const titles = chart.out.split("\n").filter((l) => l.startsWith("headroom of"));
    expect(titles.map((t) => t.split("  ")[0])).toEqual([
      "headroom of ingress/Deployment/router in prod-s",
      "headroom of ingress/Deployment/router-internal in prod-s",
    ]);
    const csv = await cli(...args, ...period, "--step", "1h", "--csv");
    const rows = csv.out.trim().split("\n");
    expect(rows[0]).toBe("namespace,kind,name,t,exists,headroom,status,replicas,eligibleNodes,freeNodes");
    expect(new Set(rows.slice(1).map((r) => r.split(",")[2]))).toEqual(
      new Set(["router", "router-internal"]),
    );
    const json = await cli(...args, ...period, "--step", "1h", "--json");
    const answer = JSON.parse(json.out) as { matched: number; series: { name: string; points: unknown[] }[] };
    expect(answer.matched).toBe(2);
    expect(answer.series.map((s) => s.points.length)).toEqual([6, 6]);
  });

  it("bounds the series and says how many more matched", async () => {
    await routers();
    const answer = await h.query("trends.headroomSeries", {
      cluster: "prod-s",
      namespace: "ingress",
      from: at(9),
      to: at(14),
      step: "1h",
      limit: 1,
    });
    if (!answer.ok) throw new Error(answer.error.message);
    expect(answer.data).toMatchObject({ matched: 2, more: 1, series: [{ name: "router" }] });
    // a glob's LIKE metacharacters are literal: "router_internal" matches nothing
    const literal = await h.query("trends.headroomSeries", {
      cluster: "prod-s",
      name: "router_internal",
      from: at(9),
      to: at(14),
      step: "1h",
    });
    if (!literal.ok) throw new Error(literal.error.message);
    expect(literal.data.matched).toBe(0);
  });

  it("refuses a workload and a selector together, and neither, sending nothing", async () => {
    const both = await cli(
      "trends",
      "headroom",
      "ingress/Deployment/router",
      "--cluster",
      "x",
      "--namespace",
      "ingress",
    );
    expect(both.code).toBe(2);
    const neither = await cli("trends", "headroom", "--cluster", "x");
    expect(neither.code).toBe(2);
    expect(requests).toBe(0);
  });
});

describe("portolan report trends", () => {
  it("prints the period report as Markdown, HTML, or its data with --json", async () => {
    await history();
    const markdown = await cli("report", "trends", ...period);
    expect(markdown.code).toBe(0);
    expect(markdown.out).toMatch(/^# Host-port trends: the whole fleet/);
    expect(markdown.out).toContain(`| prod-a | ingress/router-3 | 80/TCP | ${at(12)} | ${at(13)} | 1h |`);
    const html = await cli("report", "trends", ...period, "--format", "html", "--cluster", "prod-a");
    expect(html.out).toMatch(/^<!DOCTYPE html>[\s\S]*<h1>Host-port trends: cluster prod-a<\/h1>[\s\S]*<svg /);
    const json = await cli("report", "trends", ...period, "--selector", "env=prod", "--top", "1", "--json");
    const report = JSON.parse(json.out) as { scope: string; conflicts: { items: { pod: string }[] } };
    expect(report.scope).toBe("clusters labelled env=prod");
    expect(report.conflicts.items.map((c) => c.pod)).toEqual(["router-3"]);
  });

  it("keeps the port map the default document", async () => {
    await history();
    const map = await cli("report", "--format", "csv");
    expect(map.code).toBe(0);
    expect(map.out).toMatch(/^cluster,/);
  });
});

describe("usage errors exit 2 and send nothing", () => {
  it.each([
    [["trends", "allocations", "--since", "7d", "--from", "2026-11-01"], /--since, or --from/],
    [["trends", "allocations", "--to", "2026-11-01"], /--to needs --from/],
    [["trends", "allocations", "--from", "2026-11-02", "--to", "2026-11-01"], /is not before its end/],
    [["trends", "allocations", "--step", "1y"], /a duration such as 15m/],
    [["trends", "allocations", "--port", "0"], /a port is 1–65535/],
    [["trends", "allocations", "--workload", "router"], /namespace\/kind\/name/],
    [
      ["trends", "allocations", "--cluster", "a", "--selector", "b=c"],
      /cannot be used with option '--selector/,
    ],
    [["trends", "allocations", "--csv", "--json"], /--json or --csv/],
    [["trends", "allocations", "--width", "5"], /a whole number ≥ 10/],
    [["trends", "headroom", "ingress/Deployment/router"], /required option '--cluster/],
    [["trends", "headroom", "router", "--cluster", "a"], /namespace\/kind\/name/],
    [["report", "trends", "--format", "csv"], /markdown or html/],
    [["report", "trends", "--as-of", "1d"], /covers a period/],
    [["report", "trends", "--top", "51"], /--top is 1–50/],
    [["report", "--since", "7d"], /--since is for the trends report/],
    [["report", "--format", "html"], /html is for the trends report/],
    [["report", "weekly"], /Allowed choices are port-map, trends/],
  ])("%j", async (argv, reason) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(reason);
    expect(result.err).toMatch(/usage: portolan (trends|report)/);
    expect(requests).toBe(0);
  });
});
