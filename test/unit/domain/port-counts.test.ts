import { describe, expect, it } from "vitest";
import type { AllocationFact } from "../../../src/domain/history.js";
import { portCountFacts } from "../../../src/domain/port-counts.js";

const allocation = (
  pod: string,
  hostPort: number,
  protocol: AllocationFact["protocol"],
  owner: string | null,
) =>
  ({
    fp: `${pod}/${hostPort}/${protocol}`,
    node: "n1",
    namespace: "infra",
    pod,
    ownerKind: owner ? "DaemonSet" : null,
    ownerName: owner,
    container: "main",
    containerPort: hostPort,
    protocol,
    hostIP: "0.0.0.0",
    hostPort,
    hostNetwork: true,
  }) satisfies AllocationFact;

const counts = (facts: ReturnType<typeof portCountFacts>) =>
  facts.map(
    ({ kind, name, hostPort, protocol, allocations, pods }) =>
      `${kind}/${name} ${hostPort}/${protocol}: ${allocations} ${pods}`,
  );

describe("portCountFacts", () => {
  it("counts a pod on TCP and UDP of one port once at the any-protocol levels, per workload", () => {
    const facts = portCountFacts([
      allocation("dns-1", 53, "TCP", "dns"),
      allocation("dns-1", 53, "UDP", "dns"),
      allocation("dns-2", 53, "TCP", "dns"),
      allocation("debug", 9100, "TCP", null),
    ]);
    expect(counts(facts).sort()).toEqual([
      "DaemonSet/dns 0/: 3 2",
      "DaemonSet/dns 0/TCP: 2 2",
      "DaemonSet/dns 0/UDP: 1 1",
      "DaemonSet/dns 53/: 3 2",
      "DaemonSet/dns 53/TCP: 2 2",
      "DaemonSet/dns 53/UDP: 1 1",
      "Pod/debug 0/: 1 1",
      "Pod/debug 0/TCP: 1 1",
      "Pod/debug 9100/: 1 1",
      "Pod/debug 9100/TCP: 1 1",
    ]);
  });

  it("gives the same rows and fingerprints whatever the order of the allocations", () => {
    const list = [
      allocation("a", 80, "TCP", "web"),
      allocation("b", 80, "TCP", "web"),
      allocation("c", 81, "UDP", null),
    ];
    expect(portCountFacts([...list].reverse())).toEqual(portCountFacts(list));
  });

  it("changes the fingerprint when a count changes, not when a pod is renamed", () => {
    const before = portCountFacts([allocation("a", 80, "TCP", "web")]);
    expect(portCountFacts([allocation("b", 80, "TCP", "web")]).map((f) => f.fp)).toEqual(
      before.map((f) => f.fp),
    );
    const grown = portCountFacts([allocation("a", 80, "TCP", "web"), allocation("b", 80, "TCP", "web")]);
    expect(grown.map((f) => f.fp)).not.toContain(before[0]?.fp);
  });
});
