import { describe, expect, it } from "vitest";
import { clusterPortCountFacts } from "../../../src/domain/cluster-port-counts.js";
import type { AllocationFact } from "../../../src/domain/history.js";

const allocation = (
  pod: string,
  node: string,
  hostPort: number,
  protocol: AllocationFact["protocol"],
  hostIP = "0.0.0.0",
) =>
  ({
    fp: `${pod}/${hostPort}/${protocol}/${hostIP}`,
    node,
    namespace: "infra",
    pod,
    ownerKind: "DaemonSet",
    ownerName: pod.split("-")[0] ?? pod,
    container: "main",
    containerPort: hostPort,
    protocol,
    hostIP,
    hostPort,
    hostNetwork: true,
  }) satisfies AllocationFact;

const counts = (allocations: AllocationFact[]) =>
  clusterPortCountFacts(allocations).map(
    ({ hostPort, protocol, allocations, nodes }) => `${hostPort}/${protocol}: ${allocations} on ${nodes}`,
  );

describe("clusterPortCountFacts", () => {
  it.each([
    {
      case: "two workloads holding one port on one node count the node once",
      allocations: [allocation("dns-1", "n1", 53, "TCP"), allocation("probe-1", "n1", 53, "TCP", "10.0.0.1")],
      rows: ["53/: 2 on 1", "53/TCP: 2 on 1"],
    },
    {
      case: "TCP and UDP of one port on one node: one node where protocols are merged",
      allocations: [allocation("dns-1", "n1", 53, "TCP"), allocation("dns-1", "n1", 53, "UDP")],
      rows: ["53/: 2 on 1", "53/TCP: 1 on 1", "53/UDP: 1 on 1"],
    },
    {
      case: "one port on two nodes, another port on one",
      allocations: [
        allocation("exp-1", "n1", 9100, "TCP"),
        allocation("exp-2", "n2", 9100, "TCP"),
        allocation("web-1", "n2", 80, "TCP"),
      ],
      rows: ["80/: 1 on 1", "80/TCP: 1 on 1", "9100/: 2 on 2", "9100/TCP: 2 on 2"],
    },
    { case: "no allocations, no rows", allocations: [], rows: [] },
  ])("$case", ({ allocations, rows }) => {
    expect(counts(allocations).sort()).toEqual(rows);
  });

  it("gives the same rows and fingerprints whatever the order of the allocations", () => {
    const list = [
      allocation("a-1", "n1", 80, "TCP"),
      allocation("b-1", "n2", 80, "TCP"),
      allocation("c-1", "n2", 81, "UDP"),
    ];
    expect(clusterPortCountFacts([...list].reverse())).toEqual(clusterPortCountFacts(list));
  });

  it("changes the fingerprint when a count changes, not when a pod is renamed", () => {
    const before = clusterPortCountFacts([allocation("a-1", "n1", 80, "TCP")]);
    expect(clusterPortCountFacts([allocation("a-2", "n1", 80, "TCP")]).map((f) => f.fp)).toEqual(
      before.map((f) => f.fp),
    );
    const moved = clusterPortCountFacts([
      allocation("a-1", "n1", 80, "TCP"),
      allocation("a-2", "n2", 80, "TCP"),
    ]);
    expect(moved.map((f) => f.fp)).not.toContain(before[0]?.fp);
  });
});
