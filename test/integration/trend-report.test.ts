/**
 * reports.trends over a small fleet with a known history: every change made below is listed in the
 * report (and nothing from outside the scope), in Markdown and in the self-contained HTML file.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { hostNetworkPod, snapshot } from "../fixtures/snapshots.js";
import { at, exporter, pendingRouter, router, workers } from "../fixtures/trend-history.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
let clock = new Date("2026-11-27T00:00:00Z");
beforeAll(async () => {
  h = await createHarness({ now: () => clock, staleAfterSeconds: 600 });
});
afterAll(() => h.close());
beforeEach(async () => {
  clock = new Date("2026-11-27T00:00:00Z");
  await h.reset();
});

const legacy = hostNetworkPod("apps", "legacy-1", "worker-2", [8080], { kind: "Deployment", name: "legacy" });
const agent = (i: number) =>
  hostNetworkPod("ops", `agent-${i}`, `worker-${i}`, [9200], { kind: "DaemonSet", name: "agent" });

async function push(token: string, s: SnapshotInput) {
  clock = new Date(s.observedAt);
  const res = await h.push(token, s);
  expect(res.status, await res.clone().text()).toBe(200);
}

/**
 * prod-a (env=prod): 09:00 exporters, one router, legacy on 8080 · 11:00 a second router (headroom 0)
 * · 12:00 a third router Pending on host ports · 13:00 agent on 9200 appears · 14:00 the pending pod
 * is gone · 15:00 legacy stops · 20:00 heartbeat. prod-b (env=prod): pushes at 09:00 only (silent).
 * lab (env=lab): registered 10:30 with 7000. old (env=prod): 07:00 with 6000, removed at 16:00.
 */
async function history() {
  clock = new Date(at(7));
  const old = await h.register("old", { env: "prod" });
  await push(old, snapshot("old", at(7), workers(1), [hostNetworkPod("x", "p", "worker-1", [6000])]));
  const a = await h.register("prod-a", { env: "prod" });
  const b = await h.register("prod-b", { env: "prod" });
  const base = [exporter(1), exporter(2), router(1)];
  await push(a, snapshot("prod-a", at(9), workers(2), [...base, legacy]));
  await push(b, snapshot("prod-b", at(9), workers(1), [exporter(1)]));
  clock = new Date(at(10, 30));
  const lab = await h.register("lab", { env: "lab" });
  await push(lab, snapshot("lab", at(10, 30), workers(1), [hostNetworkPod("x", "q", "worker-1", [7000])]));
  const two = [...base, router(2)];
  await push(a, snapshot("prod-a", at(11), workers(2), [...two, legacy]));
  await push(a, snapshot("prod-a", at(12), workers(2), [...two, legacy, pendingRouter(2)]));
  await push(
    a,
    snapshot("prod-a", at(13), workers(2), [...two, legacy, pendingRouter(2), agent(1), agent(2)]),
  );
  await push(a, snapshot("prod-a", at(14), workers(2), [...two, legacy, agent(1), agent(2)]));
  await push(a, snapshot("prod-a", at(15), workers(2), [...two, agent(1), agent(2)]));
  clock = new Date(at(16));
  expect((await h.mutate("clusters.remove", { name: "old" })).ok).toBe(true);
  await push(a, snapshot("prod-a", at(20), workers(2), [...two, agent(1), agent(2)]));
  clock = new Date(at(20, 5));
}

async function report(input: Record<string, unknown> = {}) {
  const answer = await h.query("reports.trends", { from: at(9, 30), to: at(20), ...input });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data;
}

describe("reports.trends", () => {
  it("lists the period's changes: ports, workloads, clusters, headroom low, conflict and its duration", async () => {
    await history();
    const { report: r } = await report();
    expect(r.scope).toBe("the whole fleet");
    expect(r.ports.fleet.appeared.items).toEqual([
      { hostPort: 7000, protocol: "TCP", at: at(10, 30) },
      { hostPort: 9200, protocol: "TCP", at: at(13) },
    ]);
    // 6000 was held at the start by "old" and went with its removal; 8080 with legacy.
    expect(r.ports.fleet.vanished.items).toEqual([
      { hostPort: 6000, protocol: "TCP", at: at(16) },
      { hostPort: 8080, protocol: "TCP", at: at(15) },
    ]);
    expect(r.ports.byCluster.appeared.items).toContainEqual({
      cluster: "prod-a",
      hostPort: 9200,
      protocol: "TCP",
      at: at(13),
    });
    expect(r.ports.byCluster.vanished.items).toContainEqual({
      cluster: "prod-a",
      hostPort: 8080,
      protocol: "TCP",
      at: at(15),
    });
    expect(r.workloads.stopped.items).toEqual([
      { cluster: "old", namespace: "x", kind: "Pod", name: "p", at: at(16) },
      { cluster: "prod-a", namespace: "apps", kind: "Deployment", name: "legacy", at: at(15) },
    ]);
    expect(r.workloads.started.items).toContainEqual({
      cluster: "prod-a",
      namespace: "ops",
      kind: "DaemonSet",
      name: "agent",
      at: at(13),
    });
    expect(r.clusters.added.items).toEqual([{ name: "lab", at: at(10, 30) }]);
    expect(r.clusters.removed.items).toEqual([{ name: "old", at: at(16) }]);
    expect(r.clusters.silent.items.map((c) => c.name)).toEqual(["prod-b", "lab"]);
    expect(r.clusters.silent.items[0]).toEqual({ name: "prod-b", lastSeenAt: at(9) });

    const routerLow = r.headroom.items.find((w) => w.name === "router");
    expect(routerLow).toMatchObject({ cluster: "prod-a", lowest: 0, at: at(11) });

    expect(r.conflicts.items).toEqual([
      {
        cluster: "prod-a",
        namespace: "ingress",
        pod: "router-3",
        ports: "80/TCP",
        since: at(12),
        until: at(14),
        seconds: 7200,
      },
    ]);
  });

  it("says so for a conflict still pending at the end, lasting until the end of the period", async () => {
    await history();
    const { report: r } = await report({ to: at(13, 30) });
    expect(r.conflicts.items).toEqual([
      expect.objectContaining({ pod: "router-3", since: at(12), until: null, seconds: 5400 }),
    ]);
  });

  it("dates a cluster whose history starts before its registration by its first observation", async () => {
    // Registered at 10:30 with an agent that brings history from 08:00 (the demo's seeding, an import)
    clock = new Date(at(10, 30));
    const late = await h.register("late", { env: "lab" });
    await push(late, snapshot("late", at(8), workers(1), [hostNetworkPod("x", "q", "worker-1", [7000])]));
    await push(late, snapshot("late", at(11), workers(1), [hostNetworkPod("x", "q", "worker-1", [7000])]));
    clock = new Date(at(20, 5));
    expect((await report()).report.clusters.added.items).toEqual([]);
    expect((await report({ from: at(7), to: at(20) })).report.clusters.added.items).toEqual([
      { name: "late", at: at(8) },
    ]);
  });

  it("keeps to the clusters a selector picks", async () => {
    await history();
    const { report: r } = await report({ selector: { env: "prod" } });
    expect(r.scope).toBe("clusters labelled env=prod");
    expect(r.clusters.added.items).toEqual([]);
    expect(r.ports.fleet.appeared.items.map((p) => p.hostPort)).toEqual([9200]);
    expect(r.clusters.silent.items.map((c) => c.name)).toEqual(["prod-b"]);
  });

  it("counts what the top leaves out", async () => {
    await history();
    const { report: r } = await report({ top: 1 });
    expect(r.ports.fleet.appeared).toEqual({
      items: [{ hostPort: 7000, protocol: "TCP", at: at(10, 30) }],
      more: 1,
    });
    expect(r.workloads.stopped.more).toBe(1);
  });

  it("charts the scope's allocations and its most held ports", async () => {
    await history();
    const { report: r } = await report();
    // allocation·hours: 9100 3×10.5, 80 1.5+2×9, 9200 2×7, 7000 9.5, 6000 6.5 (8080's 5.5 is sixth)
    expect(r.charts.topPorts.map((s) => s.name)).toEqual([
      "port 9100",
      "port 80",
      "port 9200",
      "port 7000",
      "port 6000",
    ]);
    const fleet = new Map(r.charts.fleet.points.map((p) => [p.t, p.value]));
    // 09:30 old's 6000, prod-a's 4, prod-b's 1 · 12:00 + router-2, lab's 7000 · 13:00 + 2 agents
    // · 15:00 − legacy · 16:00 − old
    expect([at(9, 30), at(12), at(13), at(15), at(16), at(20)].map((t) => fleet.get(t))).toEqual([
      6, 8, 10, 9, 8, 8,
    ]);
  });

  it("renders Markdown with sparklines and one HTML file with inline SVG and no script", async () => {
    await history();
    const markdown = await report({ format: "markdown" });
    expect(markdown.contentType).toBe("text/markdown; charset=utf-8");
    expect(markdown.content).toMatch(/^# Host-port trends: the whole fleet/);
    expect(markdown.content).toMatch(/\| all host ports \| \d+ \| `[▁-█ ]+` \| 8 \| 6 \| 10 \|/);
    expect(markdown.content).toContain(
      "| prod-a | ingress/router-3 | 80/TCP | 2026-11-27T12:00:00.000Z | 2026-11-27T14:00:00.000Z | 2h |",
    );
    const html = await report({ format: "html" });
    expect(html.contentType).toBe("text/html; charset=utf-8");
    expect(html.content).toMatch(/^<!DOCTYPE html>/);
    expect(html.content.match(/<svg /g)).toHaveLength(3);
    expect(html.content).not.toMatch(/<script|<link|src=|href=/i);
    expect(html.content).toContain(
      "<tr><td>prod-a</td><td>apps/Deployment/legacy</td><td>2026-11-27T15:00:00.000Z</td></tr>",
    );
  });

  it("refuses a period over 400 days, an end before the start, and a cluster not there", async () => {
    const long = await h.rawQuery("reports.trends", {
      from: "2025-01-01T00:00:00Z",
      to: "2026-03-01T00:00:00Z",
    });
    expect(long).toMatchObject({ ok: false, error: { data: { reason: "INVALID_RANGE" } } });
    const backwards = await h.rawQuery("reports.trends", { from: at(10), to: at(9) });
    expect(backwards).toMatchObject({ ok: false, error: { data: { reason: "INVALID_RANGE" } } });
    const missing = await h.rawQuery("reports.trends", { from: at(8), to: at(9), cluster: "nope" });
    expect(missing).toMatchObject({ ok: false, error: { data: { reason: "NOT_FOUND" } } });
    const top = await h.rawQuery("reports.trends", { from: at(8), top: 51 });
    expect(top).toMatchObject({ ok: false, error: { data: { code: "BAD_REQUEST" } } });
  });
});

describe("trends.allocations by label selector", () => {
  it("counts only the clusters whose labels match, as they were at the range's start", async () => {
    await history();
    const range = { from: at(9, 30), to: at(20), step: "30m" };
    const points = async (input: Record<string, unknown>) => {
      const answer = await h.query("trends.allocations", { ...range, ...input });
      if (!answer.ok) throw new Error(answer.error.message);
      return new Map(answer.data.points.map((p) => [p.t, [p.allocations, p.nodes]]));
    };
    // env=prod: old (1 node, 6000 until its removal at 16:00), prod-a (2 nodes), prod-b (1 node)
    const prod = await points({ selector: { env: "prod" } });
    expect([at(9, 30), at(12), at(16), at(20)].map((t) => prod.get(t))).toEqual([
      [6, 4],
      [7, 4],
      [7, 3],
      [7, 3],
    ]);
    const lab = await points({ selector: { env: "lab" } });
    expect([at(9, 30), at(12)].map((t) => lab.get(t))).toEqual([
      [null, null], // before the lab cluster's first push: unknown, not 0
      [1, 1],
    ]);
    const both = await points({ selector: { env: "lab" }, cluster: "prod-a" });
    expect([...both.values()].every(([allocations, nodes]) => allocations === 0 && nodes === 0)).toBe(true);
  });
});

describe("names in the report", () => {
  it("shows a workload named like markup as text, in Markdown and in HTML", async () => {
    const hostile = "<img src=x onerror=alert(1)>";
    clock = new Date(at(9));
    const token = await h.register("prod-a");
    const pod = hostNetworkPod("apps", "web-1", "worker-1", [8080], { kind: "Deployment", name: hostile });
    await push(token, snapshot("prod-a", at(9), workers(1), []));
    await push(token, snapshot("prod-a", at(10), workers(1), [pod]));
    clock = new Date(at(10, 5));
    for (const format of ["markdown", "html"] as const) {
      const { content } = await report({ format, to: at(10, 5) });
      expect(content).toContain("apps/Deployment/&lt;img src=x onerror=alert(1)&gt;");
      expect(content).not.toContain("<img");
    }
  });
});
