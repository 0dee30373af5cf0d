import { describe, expect, it } from "vitest";
import { checkFit, type Proposal } from "../../../src/domain/fit.js";
import { allocationsOf, node, pod } from "./builders.js";

const nodes = [
  node("n1"),
  node("n2"),
  node("n3", { taints: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }] }),
];
const allocations = allocationsOf([
  pod("router-n1", "n1", [80, 443], ["Deployment", "router"]),
  pod("dns-n2", "n2", ["UDP/53", "10.0.0.2:8080"], ["DaemonSet", "dns"]),
]);

describe("fit check", () => {
  it.each<[string, Proposal, { fitting: string[]; blocked: string[]; fits: boolean; after: number }]>([
    [
      "a free port fits everywhere eligible",
      { ports: [{ hostPort: 9000 }] },
      { fitting: ["n1", "n2"], blocked: [], fits: true, after: 1 },
    ],
    [
      "protocol defaults to TCP",
      { ports: [{ hostPort: 80 }] },
      { fitting: ["n2"], blocked: ["n1"], fits: true, after: 0 },
    ],
    [
      "another protocol does not conflict",
      { ports: [{ hostPort: 53, protocol: "TCP" }] },
      { fitting: ["n1", "n2"], blocked: [], fits: true, after: 1 },
    ],
    [
      "the same protocol does",
      { ports: [{ hostPort: 53, protocol: "UDP" }] },
      { fitting: ["n1"], blocked: ["n2"], fits: true, after: 0 },
    ],
    [
      "hostIP defaults to the wildcard",
      { ports: [{ hostPort: 8080 }] },
      { fitting: ["n1"], blocked: ["n2"], fits: true, after: 0 },
    ],
    [
      "another specific IP does not conflict",
      { ports: [{ hostPort: 8080, hostIP: "10.0.0.3" }] },
      { fitting: ["n1", "n2"], blocked: [], fits: true, after: 1 },
    ],
    [
      "replicas beyond the fitting nodes",
      { ports: [{ hostPort: 443 }], replicas: 3 },
      { fitting: ["n2"], blocked: ["n1"], fits: false, after: -2 },
    ],
    [
      "a toleration makes a tainted node eligible",
      { ports: [{ hostPort: 9000 }], replicas: 3, tolerations: [{ key: "dedicated", operator: "Exists" }] },
      { fitting: ["n1", "n2", "n3"], blocked: [], fits: true, after: 0 },
    ],
  ])("%s", (_name, proposal, want) => {
    const result = checkFit(proposal, { nodes, allocations });
    expect({
      fitting: result.fittingNodes,
      blocked: result.blockedNodes.map((b) => b.node),
      fits: result.fits,
      after: result.headroomAfter,
    }).toEqual(want);
  });

  it("names the exact allocations that block, once each", () => {
    const result = checkFit({ ports: [{ hostPort: 80 }, { hostPort: 443 }] }, { nodes, allocations });
    expect(result.blockedNodes).toEqual([
      {
        node: "n1",
        blockers: [
          expect.objectContaining({ pod: "router-n1", ownerName: "router", container: "main", hostPort: 80 }),
          expect.objectContaining({
            pod: "router-n1",
            ownerName: "router",
            container: "main",
            hostPort: 443,
          }),
        ],
      },
    ]);
  });

  it("says why the other nodes are ineligible", () => {
    const result = checkFit(
      { ports: [{ hostPort: 9000 }], nodeSelector: { role: "edge" } },
      { nodes, allocations },
    );
    expect(result.eligibleNodes).toEqual([]);
    expect(result.ineligibleNodes).toEqual([
      { node: "n1", reasons: ["nodeSelector role=edge not matched"] },
      { node: "n2", reasons: ["nodeSelector role=edge not matched"] },
      {
        node: "n3",
        reasons: ["nodeSelector role=edge not matched", "taint dedicated=infra:NoSchedule not tolerated"],
      },
    ]);
  });

  it.each([
    [1, 2, "ok", "fits: 1 replica on 3 fitting nodes, 2 nodes spare after"],
    [2, 1, "low", "fits: 2 replicas on 3 fitting nodes, 1 node spare after"],
    [3, 0, "none", "fits: 3 replicas on 3 fitting nodes, 0 nodes spare after"],
    [4, -1, "none", "does not fit: 4 replicas, only 3 fitting nodes (short by 1 node)"],
  ])("%i replicas on 3 fitting nodes: headroom after %i, %s", (replicas, after, status, verdict) => {
    const result = checkFit(
      { ports: [{ hostPort: 9000 }], replicas, tolerations: [{ operator: "Exists" }] },
      { nodes, allocations },
    );
    expect([result.headroomAfter, result.statusAfter, result.verdict]).toEqual([after, status, verdict]);
  });
});

describe("fit check of a DaemonSet (a pod on every eligible node)", () => {
  it.each<[string, Proposal, { replicas: number; fits: boolean; after: number; verdict: RegExp }]>([
    [
      "every eligible node free: fits",
      { ports: [{ hostPort: 9000 }], everyEligibleNode: true },
      { replicas: 2, fits: true, after: 0, verdict: /^fits: a pod on each of the 2 eligible nodes$/ },
    ],
    [
      "one eligible node blocked: does not fit, however many replicas were asked",
      { ports: [{ hostPort: 80 }], everyEligibleNode: true, replicas: 1 },
      { replicas: 2, fits: false, after: -1, verdict: /^does not fit: 1 eligible node of 2 blocked/ },
    ],
    [
      "a blocked node it does not select does not count",
      {
        ports: [{ hostPort: 80 }],
        everyEligibleNode: true,
        requiredNodeAffinity: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }],
        },
      },
      { replicas: 1, fits: true, after: 0, verdict: /^fits/ },
    ],
  ])("%s", (_name, proposal, expected) => {
    const answer = checkFit(proposal, { nodes, allocations });
    expect([answer.replicas, answer.fits, answer.headroomAfter]).toEqual([
      expected.replicas,
      expected.fits,
      expected.after,
    ]);
    expect(answer.verdict).toMatch(expected.verdict);
  });
});
