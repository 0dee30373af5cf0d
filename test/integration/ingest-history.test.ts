import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const T1 = "2026-11-27T10:00:00.000Z";
const T2 = "2026-11-27T11:00:00.000Z";
const BETWEEN = "2026-11-27T10:30:00.000Z";

const workers = [node("worker-1"), node("worker-2")];
const first = snapshot("prod-eu-1", T1, workers, [
  hostNetworkPod("monitoring", "node-exporter-a", "worker-1", [9100], {
    kind: "DaemonSet",
    name: "node-exporter",
  }),
  hostNetworkPod("monitoring", "node-exporter-b", "worker-2", [9100], {
    kind: "DaemonSet",
    name: "node-exporter",
  }),
  hostNetworkPod("openshift-ingress", "router-default-1", "worker-1", [80, 443], {
    kind: "Deployment",
    name: "router-default",
  }),
]);
// node-exporter-b is gone, the router moved to worker-2.
const second = snapshot("prod-eu-1", T2, workers, [
  hostNetworkPod("monitoring", "node-exporter-a", "worker-1", [9100], {
    kind: "DaemonSet",
    name: "node-exporter",
  }),
  hostNetworkPod("openshift-ingress", "router-default-1", "worker-2", [80, 443], {
    kind: "Deployment",
    name: "router-default",
  }),
]);

async function intervalRowCounts() {
  const [row] = await rawRows<{ nodes: number; pods: number; allocations: number; snapshots: number }>(
    h.database.db,
    sql`SELECT (SELECT count(*) FROM node_versions)::int AS nodes, (SELECT count(*) FROM pod_versions)::int AS pods,
               (SELECT count(*) FROM port_allocations)::int AS allocations, (SELECT count(*) FROM snapshots)::int AS snapshots`,
  );
  return row;
}

describe("snapshot ingest into interval history", () => {
  it("finds each pushed allocation with ports.who", async () => {
    const token = await h.register("prod-eu-1");
    const res = await h.push(token, first);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changed: true, closed: 0 });

    const who = await h.query("ports.who", { hostPort: 9100 });
    expect(who.ok && who.data.allocations.map((a) => [a.node, a.pod, a.since])).toEqual([
      ["worker-1", "node-exporter-a", T1],
      ["worker-2", "node-exporter-b", T1],
    ]);
    const https = await h.query("ports.who", { hostPort: 443, protocol: "TCP" });
    expect(https.ok && https.data.allocations).toMatchObject([
      { cluster: "prod-eu-1", node: "worker-1", pod: "router-default-1", hostIP: "0.0.0.0", protocol: "TCP" },
    ]);
    expect(https.ok && https.data.summary?.total).toBe(1);
  });

  it("closes changed allocations at the new observedAt and keeps them visible as of before", async () => {
    const token = await h.register("prod-eu-1");
    await h.push(token, first);
    const res = await h.push(token, second);
    expect(await res.json()).toMatchObject({ changed: true });

    const now = await h.query("ports.who", { hostPort: 80 });
    expect(now.ok && now.data.allocations).toMatchObject([{ node: "worker-2", since: T2, until: null }]);
    const before = await h.query("ports.who", { hostPort: 80, asOf: BETWEEN });
    expect(before.ok && before.data.allocations).toMatchObject([{ node: "worker-1", since: T1, until: T2 }]);
    const atT2 = await h.query("ports.who", { hostPort: 9100, asOf: T2 });
    expect(atT2.ok && atT2.data.allocations.map((a) => a.pod)).toEqual(["node-exporter-a"]);
    const atT1 = await h.query("ports.who", { hostPort: 9100, asOf: T1 });
    // As of T, the rows that have ended since come first (by when they ended), then those still open.
    expect(atT1.ok && atT1.data.allocations.map((a) => a.pod)).toEqual([
      "node-exporter-b",
      "node-exporter-a",
    ]);
  });

  it("writes no interval rows for an unchanged push, only the log", async () => {
    const token = await h.register("prod-eu-1");
    await h.push(token, first);
    const before = await intervalRowCounts();
    const res = await h.push(token, { ...first, observedAt: T2, pods: [...first.pods].reverse() });
    expect(await res.json()).toMatchObject({ changed: false, opened: 0, closed: 0 });
    const after = await intervalRowCounts();
    expect(after).toEqual({ ...before, snapshots: (before?.snapshots ?? 0) + 1 });
    const clusters = await h.query("clusters.list");
    expect(clusters.ok && clusters.data.clusters[0]).toMatchObject({
      lastObservedAt: T2,
      nodes: 2,
      pods: 3,
      allocations: 4,
      stale: false,
    });
  });

  it("accepts a gzip-encoded snapshot", async () => {
    const token = await h.register("prod-eu-1");
    const res = await h.push(token, first, { gzip: true });
    expect(res.status).toBe(200);
    const who = await h.query("ports.who", { hostPort: 9100 });
    expect(who.ok && who.data.summary?.total).toBe(2);
  });

  it("pages ports.who with limit and cursor", async () => {
    const token = await h.register("prod-eu-1");
    await h.push(token, first);
    const page1 = await h.query("ports.who", { hostPort: 9100, limit: 1 });
    expect(page1.ok && page1.data.allocations).toHaveLength(1);
    const cursor = page1.ok ? page1.data.nextCursor : null;
    expect(cursor).not.toBeNull();
    const page2 = await h.query("ports.who", { hostPort: 9100, limit: 1, cursor: cursor ?? undefined });
    expect(page2.ok && page2.data.allocations.map((a) => a.pod)).toEqual(["node-exporter-b"]);
    expect(page2.ok && page2.data.nextCursor).toBeNull();
  });

  it("answers ports.node and ports.map for the current and a past state", async () => {
    const token = await h.register("prod-eu-1");
    await h.push(token, first);
    await h.push(token, second);
    const nodeNow = await h.query("ports.node", {
      cluster: "prod-eu-1",
      node: "worker-1",
    });
    expect(nodeNow.ok && nodeNow.data.allocations.map((a) => a.hostPort)).toEqual([9100]);
    const nodeThen = await h.query("ports.node", {
      cluster: "prod-eu-1",
      node: "worker-1",
      asOf: BETWEEN,
    });
    expect(nodeThen.ok && nodeThen.data.allocations.map((a) => a.hostPort)).toEqual([80, 443, 9100]);

    const map = await h.query("ports.map", {
      cluster: "prod-eu-1",
    });
    expect(map.ok && map.data.ports.map((p) => [p.hostPort, p.nodes, p.freeNodes])).toEqual([
      [80, ["worker-2"], ["worker-1"]],
      [443, ["worker-2"], ["worker-1"]],
      [9100, ["worker-1"], ["worker-2"]],
    ]);
  });

  it("answers NOT_FOUND for a node or cluster that does not exist", async () => {
    const token = await h.register("prod-eu-1");
    await h.push(token, first);
    const missingNode = await h.query("ports.node", { cluster: "prod-eu-1", node: "worker-9" });
    expect(missingNode).toMatchObject({ status: 404, ok: false, error: { data: { code: "NOT_FOUND" } } });
    const missingCluster = await h.query("ports.map", { cluster: "nowhere" });
    expect(missingCluster).toMatchObject({ status: 404, ok: false });
  });

  it("keeps a removed cluster's history for as-of queries but not in the current view", async () => {
    const token = await h.register("prod-eu-1");
    await h.push(token, first);
    const removed = await h.mutate("clusters.remove", { name: "prod-eu-1" });
    expect(removed.ok).toBe(true);
    const now = await h.query("ports.who", { hostPort: 9100 });
    expect(now.ok && now.data.summary?.total).toBe(0);
    const then = await h.query("ports.who", { hostPort: 9100, asOf: T1 });
    expect(then.ok && then.data.summary?.total).toBe(2);
    expect((await h.push(token, second)).status).toBe(401);
  });
});
