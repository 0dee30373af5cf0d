import { describe, expect, it } from "vitest";
import type { AllocationFact, IngressControllerFact } from "../../../src/domain/history.js";
import {
  coincidingRouterPorts,
  declaredPorts,
  placementSelects,
  replicasPatch,
  routerPorts,
  selfConflictText,
} from "../../../src/domain/ingress-controllers.js";
import { choosePorts, type PlanCluster, sparingReplicas } from "../../../src/domain/ingress-plan.js";
import { excludedRanges } from "../../../src/domain/port-profiles.js";
import { node } from "./builders.js";

const WORKER = { "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": "" };

const ic = (extra: Partial<IngressControllerFact> = {}): IngressControllerFact => ({
  fp: "x",
  namespace: "openshift-ingress-operator",
  name: "edge",
  replicas: 2,
  availableReplicas: 0,
  endpointPublishingStrategy: "HostNetwork",
  hostNetwork: { httpPort: 80, httpsPort: 443, statsPort: 1936, protocol: "TCP" },
  nodeSelector: null,
  tolerations: [],
  deployment: { namespace: "openshift-ingress", name: "router-edge" },
  ...extra,
});

describe("placementSelects", () => {
  const master = { key: "node-role.kubernetes.io/master", effect: "NoSchedule" as const };
  it.each([
    ["a worker, default placement", node("w", { labels: WORKER }), ic(), true],
    ["a master, default placement", node("m", { labels: { "kubernetes.io/os": "linux" } }), ic(), false],
    [
      "a cordoned worker (it comes back)",
      node("w", {
        labels: WORKER,
        unschedulable: true,
        taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }],
      }),
      ic(),
      true,
    ],
    ["an unready worker", node("w", { labels: WORKER, ready: false }), ic(), true],
    [
      "a tainted node, not tolerated",
      node("i", { labels: { infra: "" }, taints: [master] }),
      ic({ nodeSelector: { infra: "" } }),
      false,
    ],
    [
      "a tainted node, tolerated",
      node("i", { labels: { infra: "" }, taints: [master] }),
      ic({ nodeSelector: { infra: "" }, tolerations: [{ key: master.key, operator: "Exists" }] }),
      true,
    ],
  ])("%s → %s", (_, n, controller, selected) => {
    expect(placementSelects(n, controller)).toBe(selected);
  });
});

describe("declaredPorts", () => {
  const nodes = [node("w1", { labels: WORKER }), node("w2", { labels: WORKER }), node("m1")];
  const routerOn = (n: string, hostPort: number, owner = "router-edge"): AllocationFact => ({
    fp: `${n}${hostPort}`,
    node: n,
    namespace: "openshift-ingress",
    pod: `${owner}-x-${n}`,
    ownerKind: "Deployment",
    ownerName: owner,
    container: "router",
    containerPort: hostPort,
    protocol: "TCP",
    hostIP: "0.0.0.0",
    hostPort,
    hostNetwork: true,
  });
  const held = (allocations: AllocationFact[], controllers = [ic()]) =>
    declaredPorts(nodes, controllers, allocations).map((d) => `${d.node}:${d.hostPort}`);
  it.each([
    [
      "no router pod: every selected node, all three ports",
      [],
      ["w1:80", "w1:443", "w1:1936", "w2:80", "w2:443", "w2:1936"],
    ],
    [
      "its own router on w1 holds 80 there",
      [routerOn("w1", 80)],
      ["w1:443", "w1:1936", "w2:80", "w2:443", "w2:1936"],
    ],
    [
      "another workload on w1 does not replace the declaration",
      [routerOn("w1", 80, "other")],
      ["w1:80", "w1:443", "w1:1936", "w2:80", "w2:443", "w2:1936"],
    ],
  ])("%s", (_, allocations, expected) => {
    expect(held(allocations)).toEqual(expected);
  });
  it("declares nothing for an IngressController that is not HostNetwork", () => {
    expect(held([], [ic({ hostNetwork: null, endpointPublishingStrategy: "LoadBalancerService" })])).toEqual(
      [],
    );
  });
});

describe("coinciding router ports", () => {
  const hn = (httpPort: number, httpsPort: number, statsPort: number) => ({
    httpPort,
    httpsPort,
    statsPort,
    protocol: "TCP",
  });

  it("holds each distinct port once and names the fields that share one", () => {
    const both443 = hn(443, 443, 1936);
    expect(routerPorts(ic({ hostNetwork: both443 })).map((p) => p.hostPort)).toEqual([443, 1936]);
    expect(coincidingRouterPorts(both443)).toEqual([{ hostPort: 443, fields: ["httpPort", "httpsPort"] }]);
    expect(selfConflictText(both443)).toMatch(/^httpPort and httpsPort are both 443: /);
  });

  it("names all three fields when they share one port", () => {
    expect(routerPorts(ic({ hostNetwork: hn(8080, 8080, 8080) }))).toHaveLength(1);
    expect(selfConflictText(hn(8080, 8080, 8080))).toMatch(/^httpPort, httpsPort, statsPort are all 8080: /);
  });

  it("finds nothing in distinct ports or without HostNetwork", () => {
    expect(coincidingRouterPorts(hn(80, 443, 1936))).toEqual([]);
    expect(selfConflictText(hn(80, 443, 1936))).toBeNull();
    expect(selfConflictText(null)).toBeNull();
  });
});

describe("replicasPatch", () => {
  it.each([
    [{ kind: "IngressController", name: "edge", replicas: 4, maxReplicas: 3 }, 3],
    [{ kind: "IngressController", name: "edge", replicas: 2, maxReplicas: 0 }, 1],
    [{ kind: "IngressController", name: "edge", replicas: 3, maxReplicas: 3 }, null],
    [{ kind: "Deployment", name: "router-edge", replicas: 4, maxReplicas: 3 }, null],
  ])("%o → replicas %s", (row, replicas) => {
    const patch = replicasPatch(row);
    expect(patch).toBe(
      replicas === null
        ? null
        : `oc patch ingresscontroller/edge -n openshift-ingress-operator --type=merge -p '{"spec":{"replicas":${replicas}}}'`,
    );
  });
});

describe("sparingReplicas", () => {
  it.each([
    [3, 5, 3, 2],
    [3, 4, 3, 1],
    [3, 3, 2, 1],
    [3, 1, 1, 0],
    [3, 0, 0, 0],
  ])("%i asked on %i eligible → %i replicas, %i spare", (asked, eligible, replicas, spare) => {
    expect(sparingReplicas(asked, eligible)).toMatchObject({ replicas, spare });
  });
});

describe("choosePorts", () => {
  const openshift: PlanCluster = {
    name: "ocp",
    excluded: excludedRanges({
      profile: "openshift",
      nodePortRange: { from: 30000, to: 32767 },
      allowPrivileged: false,
    }),
    reserved: [],
  };
  const window = { from: 1024, to: 65535 };
  it.each([
    ["preferred and free", { httpPort: 12080, httpsPort: 12443, statsPort: 12936 }, [], "preferred", 12080],
    [
      "preferred but privileged: the pattern",
      { httpPort: 80, httpsPort: 443, statsPort: 1936 },
      [],
      "pattern",
      10080,
    ],
    ["first pattern held: the second", undefined, [10443], "pattern", 20080],
    ["both ten-thousand patterns held: the next thousand", undefined, [10080, 21936], "pattern", 11080],
    ["11080's set held too: 12080", undefined, [10080, 20080, 11443], "pattern", 12080],
  ])("%s", (_, preferred, held, rule, httpPort) => {
    const choice = choosePorts({ preferred, clusters: [openshift], held: new Set(held), window });
    expect(choice.chosen).toMatchObject({ rule, ports: { httpPort } });
  });
  it.each<[string, number[], string, number]>([
    ["the name's own reservation before the pattern", [], "reserved", 15080],
    ["its own reservation taken since: the pattern", [15443], "pattern", 10080],
  ])("%s", (_, held, rule, httpPort) => {
    const reservedForName = { httpPort: 15080, httpsPort: 15443, statsPort: 16936 };
    const choice = choosePorts({ reservedForName, clusters: [openshift], held: new Set(held), window });
    expect(choice.chosen).toMatchObject({ rule, ports: { httpPort } });
  });
  it.each([
    ["a window below every pattern: the lowest contiguous triple", [], 1024],
    ["contiguous skips held ports", [1025], 1026],
  ])("%s", (_, held, httpPort) => {
    const low = { from: 1024, to: 8999 };
    const choice = choosePorts({ clusters: [openshift], held: new Set(held), window: low });
    expect(choice.chosen).toMatchObject({ rule: "contiguous", ports: { httpPort } });
  });
  it("never offers a reserved port, and says who reserved it", () => {
    const reserved = {
      ...openshift,
      reserved: [{ id: 7, portFrom: 10443, portTo: 10443, owner: "team-a", purpose: "shard" }],
    };
    const choice = choosePorts({ clusters: [reserved], held: new Set(), window });
    expect(choice.chosen?.ports.httpPort).toBe(20080);
    expect(choice.passedOver[0]?.refusals).toEqual([
      { port: 10443, reason: "reserved", cluster: "ocp", reservation: 7, owner: "team-a", purpose: "shard" },
    ]);
  });
});
