import { describe, expect, it } from "vitest";
import { canonicalState } from "../../../src/contract/canonical.js";
import { parseSnapshot } from "../../../src/contract/snapshot.js";
import { runSteps } from "../../../src/contract/steps.js";
import { factsFromState } from "../../../src/domain/history.js";
import {
  boundedPortMap,
  boundedPortMapPage,
  buildPortMap,
  compareRowKeys,
  type MapAllocation,
  portSummarySteps,
  summarisePortMap,
  WORKLOAD_SAMPLE,
} from "../../../src/domain/port-map.js";
import { sixWorkerNodes, sixWorkerPods } from "../../fixtures/six-workers.js";

const alloc = (
  node: string,
  hostPort: number,
  hostIP = "0.0.0.0",
  protocol = "TCP",
  ownerName = "router",
): MapAllocation => ({
  node,
  namespace: "ns",
  pod: `${ownerName}-${node}`,
  ownerKind: "Deployment",
  ownerName,
  protocol,
  hostIP,
  hostPort,
});
const node = (name: string, extra: object = {}) => ({
  name,
  ready: true,
  unschedulable: false,
  labels: {},
  taints: [],
  ...extra,
});
const nodes = ["n1", "n2", "n3"].map((name) => node(name));

describe("port map", () => {
  it.each([
    ["a wildcard holder blocks its node only", [alloc("n1", 80)], ["n2", "n3"]],
    [
      "a specific-IP row is blocked by a wildcard on another node",
      [alloc("n1", 80, "10.0.0.1"), alloc("n2", 80)],
      ["n3"],
    ],
    [
      "different protocols do not block each other",
      [alloc("n1", 53, "0.0.0.0", "UDP"), alloc("n2", 53, "0.0.0.0", "TCP")],
      ["n2", "n3"],
    ],
  ])("%s", (_name, allocations, freeOfFirstRow) => {
    const map = buildPortMap({ nodes, allocations, pods: [] });
    const first = map.rows.find(
      (r) => r.hostIP === allocations[0]?.hostIP && r.protocol === allocations[0]?.protocol,
    );
    expect(first?.freeNodes).toEqual(freeOfFirstRow);
  });

  it("leaves cordoned and NotReady nodes out of the free nodes", () => {
    const map = buildPortMap({
      nodes: [node("n1"), node("n2", { ready: false }), node("n3", { unschedulable: true })],
      allocations: [alloc("n1", 80)],
      pods: [],
    });
    expect(map.schedulableNodes).toEqual(["n1"]);
    expect(map.rows[0]?.freeNodes).toEqual([]);
  });

  it("groups pods by workload and sorts rows by port", () => {
    const map = buildPortMap({
      nodes,
      allocations: [alloc("n2", 443), alloc("n1", 443), alloc("n1", 80, "0.0.0.0", "TCP", "other")],
      pods: [],
    });
    expect(map.rows.map((r) => r.hostPort)).toEqual([80, 443]);
    expect(map.rows[1]).toMatchObject({
      nodes: ["n1", "n2"],
      workloads: [{ name: "router", pods: 2 }],
      freeNodes: ["n3"],
    });
  });

  it("counts as free only nodes eligible for the holding workload (selectors and taints)", () => {
    const cluster = [
      node("worker-1", { labels: { role: "worker" } }),
      node("worker-2", { labels: { role: "worker" } }),
      node("infra-1", { labels: { role: "infra" } }),
      node("master-1", {
        labels: { role: "worker" },
        taints: [{ key: "node-role.kubernetes.io/master", value: "", effect: "NoSchedule" }],
      }),
    ];
    const routerPod = {
      namespace: "ns",
      name: "router-worker-1",
      ownerKind: "Deployment",
      ownerName: "router",
      nodeSelector: { role: "worker" },
      tolerations: [],
      requiredNodeAffinity: null,
    };
    const map = buildPortMap({ nodes: cluster, allocations: [alloc("worker-1", 80)], pods: [routerPod] });
    expect(map.rows[0]).toMatchObject({ eligibleNodes: 2, freeNodes: ["worker-2"] });
  });

  it("bounds the names an answer lists and keeps the counts exact", () => {
    const many = Array.from({ length: 8 }, (_, i) => node(`n${i}`));
    const bounded = boundedPortMap(
      { nodes: many, allocations: [alloc("n0", 80), alloc("n1", 80)], pods: [] },
      3,
    );
    expect(bounded.schedulableNodes).toBe(8);
    expect(bounded.ports[0]).toMatchObject({
      heldCount: 2,
      nodes: ["n0", "n1"],
      eligibleNodes: 8,
      freeCount: 6,
      freeNodes: ["n2", "n3", "n4"],
    });
  });
});

describe("a page of the port map", () => {
  it("lists at most WORKLOAD_SAMPLE workloads of a row beside their exact count", () => {
    const many = Array.from({ length: WORKLOAD_SAMPLE + 5 }, (_, i) =>
      alloc(`n${i}`, 80, "0.0.0.0", "TCP", `bare-${String(i).padStart(2, "0")}`),
    );
    const [row] = boundedPortMap({ nodes, allocations: many, pods: [] }).ports;
    expect(row?.workloadCount).toBe(WORKLOAD_SAMPLE + 5);
    expect(row?.workloads).toHaveLength(WORKLOAD_SAMPLE);
    expect(row?.workloads[0]?.name).toBe("bare-00");
  });

  it("sorts rows by port, then protocol and host IP in code-point order (the order SQL pages them in)", () => {
    const map = buildPortMap({
      nodes,
      allocations: [alloc("n1", 80, "::1"), alloc("n2", 80, "10.0.0.1"), alloc("n3", 53, "0.0.0.0", "UDP")],
      pods: [],
    });
    expect(map.rows.map((r) => `${r.hostPort}/${r.protocol}/${r.hostIP}`)).toEqual([
      "53/UDP/0.0.0.0",
      "80/TCP/10.0.0.1",
      "80/TCP/::1",
    ]);
    expect([...map.rows].sort(compareRowKeys)).toEqual(map.rows);
  });

  it("builds only the rows of the page it is given", () => {
    const page = boundedPortMapPage({ nodes, allocations: [alloc("n1", 80), alloc("n2", 443)], pods: [] }, [
      { hostPort: 443, protocol: "TCP", hostIP: "0.0.0.0" },
    ]);
    expect(page.ports.map((r) => r.hostPort)).toEqual([443]);
  });
});

describe("the port summary ingest keeps", () => {
  const summaryOf = (facts: Parameters<typeof buildPortMap>[0]) => runSteps(portSummarySteps(facts));

  it("equals the summary of the full map, without building its node lists", () => {
    const parsed = parseSnapshot({
      schemaVersion: 1,
      cluster: "six",
      observedAt: "2026-11-27T10:00:00Z",
      nodes: sixWorkerNodes,
      pods: sixWorkerPods,
    });
    if (!parsed.ok) throw new Error(parsed.message);
    const facts = factsFromState(canonicalState(parsed.snapshot));
    expect(summaryOf(facts)).toEqual(summarisePortMap(buildPortMap(facts)));
  });

  it("counts free nodes for rows held by several workloads, wildcards and specific addresses", () => {
    const facts = {
      nodes: [node("n1"), node("n2", { ready: false }), node("n3"), node("n4", { unschedulable: true })],
      allocations: [
        alloc("n1", 80),
        alloc("n3", 80, "0.0.0.0", "TCP", "other"),
        alloc("n1", 53, "10.0.0.1", "UDP"),
        alloc("n3", 53, "0.0.0.0", "UDP", "dns"),
      ],
      pods: [],
    };
    expect(summaryOf(facts)).toEqual(summarisePortMap(buildPortMap(facts)));
  });
});
