import { describe, expect, it } from "vitest";
import { canonicalState } from "../../../src/contract/canonical.js";
import { parseSnapshot } from "../../../src/contract/snapshot.js";
import { drainCheck } from "../../../src/domain/drain.js";
import { checkFit } from "../../../src/domain/fit.js";
import { freeRanges } from "../../../src/domain/free-ranges.js";
import { workloadHeadroom } from "../../../src/domain/headroom.js";
import { factsFromState } from "../../../src/domain/history.js";
import { DEFAULT_NODE_PORT_RANGE, excludedRanges } from "../../../src/domain/port-profiles.js";
import {
  MASTERS,
  SIX_WORKER_PORTS,
  sixWorkersSnapshot,
  WORKER_SELECTOR,
  WORKERS,
} from "../../fixtures/six-workers.js";

/** The facts ingest stores, so the planning modules are fed exactly what services will pass them. */
function facts() {
  const parsed = parseSnapshot(sixWorkersSnapshot("prod-eu-1", "2026-11-27T10:00:00.000Z"));
  if (!parsed.ok) throw new Error(parsed.message);
  return factsFromState(canonicalState(parsed.snapshot));
}

describe("the six-worker cluster", () => {
  const { nodes, pods, allocations } = facts();

  it.each([
    ["router-default", 6, 0, "none", [], 5],
    ["router-custom-a", 5, 1, "low", ["worker-6"], 5],
    ["monitoring-proxy", 3, 3, "ok", ["worker-4", "worker-5", "worker-6"], 5],
  ])("headroom of %s: %i replicas, headroom %i (%s)", (name, replicas, headroom, status, free, max) => {
    const row = workloadHeadroom({ nodes, pods, allocations }).find((r) => r.name === name);
    expect(row).toMatchObject({
      kind: "Deployment",
      replicas,
      pending: 0,
      eligibleNodes: WORKERS,
      freeNodes: free,
      headroom,
      status,
      maxReplicasKeepingOneSpare: max,
    });
  });

  it("gives the node-exporter DaemonSet no headroom row", () => {
    expect(workloadHeadroom({ nodes, pods, allocations }).map((r) => r.name)).toEqual([
      "monitoring-proxy",
      "router-custom-a",
      "router-default",
    ]);
  });

  it("refuses a 2-replica controller on 80/443, naming router-default on every worker", () => {
    const fit = checkFit(
      { ports: [{ hostPort: 80 }, { hostPort: 443 }], replicas: 2, nodeSelector: WORKER_SELECTOR },
      { nodes, allocations },
    );
    expect(fit).toMatchObject({ eligibleNodes: WORKERS, fittingNodes: [], fits: false, headroomAfter: -2 });
    expect(fit.statusAfter).toBe("none");
    expect(fit.verdict).toBe("does not fit: 2 replicas, only 0 fitting nodes (short by 2 nodes)");
    expect(fit.blockedNodes.map((b) => b.node)).toEqual(WORKERS);
    for (const { node, blockers } of fit.blockedNodes) {
      expect(blockers.map((a) => [a.namespace, a.ownerKind, a.ownerName, a.container, a.hostPort])).toEqual([
        ["openshift-ingress", "Deployment", "router-default", "router", 80],
        ["openshift-ingress", "Deployment", "router-default", "router", 443],
      ]);
      expect(blockers.every((a) => a.node === node && a.pod.startsWith("router-default-"))).toBe(true);
    }
    expect(fit.ineligibleNodes).toEqual(
      MASTERS.map((node) => ({
        node,
        reasons: [
          "nodeSelector node-role.kubernetes.io/worker= not matched",
          "taint node-role.kubernetes.io/master:NoSchedule not tolerated",
        ],
      })),
    );
  });

  it("drains worker-1: router-default is stuck, the others can move, node-exporter stays", () => {
    const drain = drainCheck("worker-1", { nodes, pods, allocations });
    const byWorkload = Object.fromEntries(
      drain.pods.map((p) => [p.workload.name, { disposition: p.disposition, destinations: p.destinations }]),
    );
    expect(byWorkload).toEqual({
      "router-default": { disposition: "stuck", destinations: [] },
      "router-custom-a": { disposition: "movable", destinations: ["worker-6"] },
      "monitoring-proxy": { disposition: "movable", destinations: ["worker-4", "worker-5", "worker-6"] },
      "node-exporter": { disposition: "stays", destinations: [] },
    });
    const router = drain.pods.find((p) => p.workload.name === "router-default");
    expect(router?.blockedOn.map((b) => b.node)).toEqual(WORKERS.slice(1));
    expect(router?.blockedOn.flatMap((b) => b.blockers.map((a) => a.ownerName))).toEqual(
      Array(10).fill("router-default"),
    );
    expect(drain.drainable).toBe(false);
  });

  it("finds width-3 ranges that avoid every used port and the Kubernetes profile's ranges", () => {
    const used = { TCP: allocations.map((a) => a.hostPort) };
    const excluded = excludedRanges({
      profile: "kubernetes",
      nodePortRange: DEFAULT_NODE_PORT_RANGE,
      allowPrivileged: false,
    });
    const ranges = freeRanges({ width: 3, used, protocol: "TCP", excluded });
    expect(ranges.map((r) => [r.from, r.to])).toEqual([
      [1024, 1026],
      [2381, 2383],
      [6444, 6446],
      [8081, 8083],
      [8444, 8446],
      [9091, 9093],
      [9101, 9103],
      [10260, 10262],
      [61000, 61002],
    ]);
    for (const r of ranges) expect(SIX_WORKER_PORTS.some((p) => p >= r.from && p <= r.freeUntil)).toBe(false);
  });
});
