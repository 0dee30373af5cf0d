import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { SIX_WORKER_PORTS, sixWorkersSnapshot, WORKER_SELECTOR } from "../fixtures/six-workers.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date("2026-11-27T12:00:00Z") });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.reset();
  token = await h.register("six-workers", { env: "prod" });
  expect((await h.push(token, sixWorkersSnapshot())).status).toBe(200);
});

/** A router-custom-b replica Pending because every worker already holds 80/443 (router-default). */
function withPendingRouter(observedAt: string): SnapshotInput {
  const snap = sixWorkersSnapshot("six-workers", observedAt);
  snap.pods.push({
    namespace: "openshift-ingress",
    name: "router-custom-b-7f7f7f7f7-abcde",
    node: null,
    phase: "Pending",
    hostNetwork: true,
    owner: { kind: "Deployment", name: "router-custom-b" },
    ports: [80, 443].map((p) => ({ container: "router", containerPort: p, hostPort: p })),
    nodeSelector: WORKER_SELECTOR,
    scheduling: {
      unschedulable: true,
      message:
        "0/9 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }, 6 node(s) didn't have free ports for the requested pod ports.",
    },
  });
  return snap;
}

describe("the classic six-worker cluster", () => {
  it("gives headroom 0 / 1 / 3 with statuses none / low / ok and no row for the DaemonSet", async () => {
    const answer = await h.query("capacity.headroom", { clusters: ["six-workers"] });
    expect(answer.ok).toBe(true);
    const rows = answer.ok ? answer.data.workloads : [];
    expect(
      rows.map((w) => [w.name, w.headroom, w.status, w.eligibleNodes, w.maxReplicasKeepingOneSpare]),
    ).toEqual([
      ["monitoring-proxy", 3, "ok", 6, 5],
      ["router-custom-a", 1, "low", 6, 5],
      ["router-default", 0, "none", 6, 5],
    ]);
    expect(rows.some((w) => w.kind === "DaemonSet")).toBe(false);
  });

  it("shows 0, 1 and 3 free slots in the port map", async () => {
    const map = await h.query("ports.map", {
      cluster: "six-workers",
    });
    const free = Object.fromEntries((map.ok ? map.data.ports : []).map((p) => [p.hostPort, p.freeCount]));
    expect(free).toMatchObject({ 80: 0, 443: 0, 8080: 1, 8443: 1, 9090: 3, 9100: 0 });
  });

  it("refuses a 2-replica controller on 80/443, naming router-default as the blocker on each worker", async () => {
    const answer = await h.query("capacity.checkFit", {
      clusters: ["six-workers"],
      ports: [{ hostPort: 80 }, { hostPort: 443, protocol: "TCP" }],
      replicas: 2,
      nodeSelector: WORKER_SELECTOR,
    });
    expect(answer.ok && answer.data.fits).toBe(false);
    const cluster = answer.ok ? answer.data.clusters[0] : undefined;
    expect(cluster?.fittingNodes).toBe(0);
    expect(cluster?.blockedNodes).toBe(6);
    expect(cluster?.verdict).toMatch(/does not fit/);
    expect(cluster?.blockingWorkloads).toEqual([
      { namespace: "openshift-ingress", kind: "Deployment", name: "router-default", nodes: 6 },
    ]);
    expect(cluster?.blockedSample.map((b) => b.node)).toEqual([
      "worker-1",
      "worker-2",
      "worker-3",
      "worker-4",
      "worker-5",
      "worker-6",
    ]);
    for (const blocked of cluster?.blockedSample ?? []) {
      expect(new Set(blocked.blockers.map((b) => b.owner?.name))).toEqual(new Set(["router-default"]));
      expect(blocked.blockers.map((b) => b.hostPort).sort()).toEqual([443, 80]);
    }
  });

  it("fits a controller on free ports and warns about a reservation on them", async () => {
    await h.mutate("reservations.create", {
      portFrom: 10080,
      portTo: 10082,
      owner: "team-ingress",
      purpose: "shard-b",
    });
    const answer = await h.query("capacity.checkFit", {
      clusters: ["six-workers"],
      ports: [{ hostPort: 10080 }],
      replicas: 2,
      nodeSelector: WORKER_SELECTOR,
    });
    expect(answer.ok && answer.data.fits).toBe(true);
    expect(answer.ok && answer.data.clusters[0]).toMatchObject({
      headroomAfter: 4,
      reservations: [{ id: 1 }],
    });
  });

  it("finds a width-3 free range that avoids every used and reserved port and the profile's ranges", async () => {
    await h.mutate("reservations.create", {
      portFrom: 1024,
      portTo: 1100,
      owner: "platform",
      purpose: "agents' ports",
    });
    const answer = await h.query("capacity.freeRanges", {
      width: 3,
      labelSelector: { env: "prod" },
    });
    const ranges = answer.ok ? answer.data.ranges : [];
    expect(ranges[0]).toEqual(expect.objectContaining({ from: 1101, to: 1103 }));
    for (const r of ranges) {
      expect(r.to - r.from + 1).toBe(3);
      for (const used of SIX_WORKER_PORTS) expect(used < r.from || used > r.to).toBe(true);
      expect(r.from).toBeGreaterThan(1100);
      expect(r.from >= 30000 && r.from <= 60999).toBe(false);
    }
    const nearUsed = await h.query("capacity.freeRanges", {
      width: 3,
      min: 8079,
      max: 8090,
    });
    expect(nearUsed.ok && nearUsed.data.ranges[0]).toEqual(expect.objectContaining({ from: 8081, to: 8083 }));
  });

  it("keeps ports used within quietDays out of free ranges", async () => {
    const without8500 = sixWorkersSnapshot("six-workers", "2026-11-27T11:00:00Z");
    const with8500 = sixWorkersSnapshot("six-workers", "2026-11-27T10:30:00Z");
    with8500.pods.push({
      namespace: "x",
      name: "tmp",
      node: "worker-1",
      phase: "Running",
      ports: [{ container: "c", containerPort: 8500, hostPort: 8500 }],
    });
    await h.push(token, with8500);
    await h.push(token, without8500);
    const now = await h.query("capacity.freeRanges", {
      width: 1,
      min: 8500,
      max: 8500,
    });
    expect(now.ok && now.data.ranges.map((r) => r.from)).toEqual([8500]);
    const quiet = await h.query("capacity.freeRanges", {
      width: 1,
      min: 8500,
      max: 8500,
      quietDays: 7,
    });
    expect(quiet.ok && quiet.data.ranges).toEqual([]);
  });

  it("says where each host-port pod of a drained worker could go", async () => {
    const answer = await h.query("capacity.drainCheck", { cluster: "six-workers", node: "worker-1" });
    expect(answer.ok && answer.data.drainable).toBe(false);
    const byWorkload = Object.fromEntries(
      (answer.ok ? answer.data.pods : []).map((p) => [p.workload.name, [p.disposition, p.destinations]]),
    );
    expect(byWorkload).toEqual({
      "router-default": ["stuck", []],
      "router-custom-a": ["movable", ["worker-6"]],
      "monitoring-proxy": ["movable", ["worker-4", "worker-5", "worker-6"]],
      "node-exporter": ["stays", []],
    });
    expect(await h.query("capacity.drainCheck", { cluster: "six-workers", node: "worker-9" })).toMatchObject({
      status: 404,
    });
  });

  it("lists a Pending pod with the host-port message and the allocations blocking it on each eligible node", async () => {
    await h.push(token, withPendingRouter("2026-11-27T10:05:00Z"));
    const answer = await h.query("conflicts.list", {});
    const items = answer.ok ? answer.data.items : [];
    expect(items.map((i) => i.pod)).toEqual(["router-custom-b-7f7f7f7f7-abcde"]);
    expect(items[0]?.eligibleNodes).toBe(6);
    expect(items[0]?.freeNodes).toBe(0);
    expect(items[0]?.blockedNodes).toBe(6);
    expect(items[0]?.blockedSample[0]).toMatchObject({
      node: "worker-1",
      blockers: [expect.objectContaining({ hostPort: 80 }), expect.objectContaining({ hostPort: 443 })],
    });
    expect(items[0]?.blockedSample[0]?.blockers[0]?.pod).toMatch(/^router-default-/);
  });

  it("generates the port allocation document", async () => {
    const md = await h.query("reports.portMap", {
      cluster: "six-workers",
      format: "markdown",
    });
    expect(md.ok && md.data.content).toMatch(
      /\| 80 \| TCP \| 0\.0\.0\.0 \| openshift-ingress\/router-default \(Deployment\) \| all 6 eligible nodes \| 0 \|/,
    );
    const csv = await h.query("reports.portMap", { format: "csv" });
    expect(csv.ok && csv.data.content.split("\n")[0]).toBe(
      "cluster,as_of,port,protocol,host_ip,workloads,nodes_holding,free_slots,free_nodes,observed_only,observed_nodes,observed_processes,observed_classes",
    );
  });
});

describe("headroom history", () => {
  it("answers trends.headroom from the replayed pushes and asOf like the snapshot at that time", async () => {
    // 10:00 six-workers as is; 10:30 router-custom-a loses worker-5's replica (headroom 2); 11:00 back.
    const fewer = sixWorkersSnapshot("six-workers", "2026-11-27T10:30:00Z");
    fewer.pods = fewer.pods.filter((p) => !(p.owner?.name === "router-custom-a" && p.node === "worker-5"));
    await h.push(token, fewer);
    await h.push(token, sixWorkersSnapshot("six-workers", "2026-11-27T11:00:00Z"));
    const trend = await h.query("trends.headroom", {
      cluster: "six-workers",
      namespace: "openshift-ingress",
      kind: "Deployment",
      name: "router-custom-a",
      from: "2026-11-27T09:30:00Z",
      to: "2026-11-27T11:00:00Z",
      step: "30m",
    });
    expect(trend.ok && trend.data.points.map((p) => [p.t, p.headroom, p.status])).toEqual([
      ["2026-11-27T09:30:00.000Z", null, null],
      ["2026-11-27T10:00:00.000Z", 1, "low"],
      ["2026-11-27T10:30:00.000Z", 2, "ok"],
      ["2026-11-27T11:00:00.000Z", 1, "low"],
    ]);
    const then = await h.query("capacity.headroom", { asOf: "2026-11-27T10:45:00Z" });
    expect(then.ok && then.data.workloads.find((w) => w.name === "router-custom-a")?.headroom).toBe(2);
  });
});
