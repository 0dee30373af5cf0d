import { describe, expect, it } from "vitest";
import type { AttributionTier, ObservedListener } from "../../../src/contract/listeners.js";
import { runSteps } from "../../../src/contract/steps.js";
import { workloadHeadroom } from "../../../src/domain/headroom.js";
import { listenerHoldsSteps } from "../../../src/domain/headroom-listeners.js";
import { indexByPort } from "../../../src/domain/held-ports.js";
import type { IngressControllerFact } from "../../../src/domain/history.js";
import { ingressControllerHeadroom } from "../../../src/domain/ingress-controllers.js";
import { nodeListenerFacts } from "../../../src/domain/node-listeners.js";
import type { NodeView, PodView } from "../../../src/domain/views.js";
import { tcpListener } from "../../fixtures/listeners.js";
import { allocationsOf, node, pod } from "./builders.js";

const three = [node("n1"), node("n2"), node("n3")];

/** A hostNetwork router replica of Deployment router on 80 (and its pod name). */
const router = (name: string, at: string | null, ports: (number | string)[] = [80]) =>
  pod(name, at, ports, ["Deployment", "router"], { hostNetwork: true });
/** An ordinary hostPort replica of Deployment web. */
const web = (name: string, at: string | null, ports: (number | string)[] = [8080]) =>
  pod(name, at, ports, ["Deployment", "web"]);

const held = (port: number, address: string, process?: string, extra: Partial<ObservedListener> = {}) =>
  tcpListener(port, address, { processes: process ? [{ name: process }] : [], ...extra });

interface Report {
  node: string;
  attribution?: AttributionTier;
  listeners: ObservedListener[];
}

const factsOf = (reports: Report[]) =>
  reports.flatMap((r) =>
    nodeListenerFacts({ node: r.node, attribution: r.attribution ?? "process", listeners: r.listeners }),
  );

const rowOf = (nodes: NodeView[], pods: PodView[], reports: Report[], key: string) => {
  const row = workloadHeadroom({
    nodes,
    pods,
    allocations: allocationsOf(pods),
    nodeListeners: factsOf(reports),
  }).find((r) => `${r.kind}/${r.name}` === key);
  if (!row) throw new Error(`no row ${key}`);
  return {
    free: row.freeNodes,
    headroom: row.headroom,
    max: row.maxReplicasKeepingOneSpare,
    listenerBlocked: row.listenerBlockedNodes,
    example: row.listenerExample
      ? `${row.listenerExample.node} ${row.listenerExample.hostPort}/${row.listenerExample.protocol} ${row.listenerExample.processes.join(",")}@${row.listenerExample.address} ${row.listenerExample.class} ${row.listenerExample.effect}`
      : null,
  };
};

describe("headroom takes observed listeners as held", () => {
  it.each<[string, NodeView[], PodView[], Report[], string, object]>([
    [
      "a host service on 0.0.0.0 keeps a hostNetwork workload off its node (it would crash-loop)",
      three,
      [router("router-a", "n1")],
      [{ node: "n3", listeners: [held(80, "0.0.0.0", "httpd")] }],
      "Deployment/router",
      {
        free: ["n2"],
        headroom: 1,
        max: 1,
        listenerBlocked: ["n3"],
        example: "n3 80/TCP httpd@0.0.0.0 host-service crash-loop-eaddrinuse",
      },
    ],
    [
      "a loopback listener blocks a hostNetwork wildcard bind (the Linux bind rule)",
      three,
      [router("router-a", "n1", [29103])],
      [{ node: "n2", listeners: [held(29103, "127.0.0.1", "ovnkube")] }],
      "Deployment/router",
      {
        free: ["n3"],
        listenerBlocked: ["n2"],
        example: "n2 29103/TCP ovnkube@127.0.0.1 host-service crash-loop-eaddrinuse",
      },
    ],
    [
      "an IPv6-only :: listener leaves a 0.0.0.0 bind alone",
      three,
      [router("router-a", "n1")],
      [{ node: "n2", listeners: [held(80, "::", "httpd", { dualStack: false })] }],
      "Deployment/router",
      { free: ["n2", "n3"], listenerBlocked: [], example: null },
    ],
    [
      "a listener of another protocol leaves the port alone",
      three,
      [router("router-a", "n1")],
      [{ node: "n2", listeners: [{ ...held(80, "0.0.0.0", "dnsd"), protocol: "UDP" }] }],
      "Deployment/router",
      { free: ["n2", "n3"], listenerBlocked: [] },
    ],
    [
      "an ordinary hostPort counts a listener as checkFit does (its mapping would capture the traffic)",
      three,
      [web("web-1", "n1")],
      [{ node: "n2", listeners: [held(8080, "0.0.0.0", "java")] }],
      "Deployment/web",
      {
        free: ["n3"],
        listenerBlocked: ["n2"],
        example: "n2 8080/TCP java@0.0.0.0 host-service captures-host-traffic",
      },
    ],
    [
      "a specific hostIP meets neither another address nor its family's other addresses",
      three,
      [web("web-1", "n1", ["10.0.0.5:8080"])],
      [{ node: "n2", listeners: [held(8080, "10.0.0.6", "java")] }],
      "Deployment/web",
      { free: ["n2", "n3"], listenerBlocked: [] },
    ],
    [
      "a specific hostIP meets a wildcard listener",
      three,
      [web("web-1", "n1", ["10.0.0.5:8080"])],
      [{ node: "n2", listeners: [held(8080, "0.0.0.0", "java")] }],
      "Deployment/web",
      { free: ["n3"], listenerBlocked: ["n2"] },
    ],
    [
      "a router's own socket (process tier: a pod there declares the port) costs it nothing",
      three,
      [router("router-a", "n1"), router("router-b", "n2")],
      [
        { node: "n1", listeners: [held(80, "0.0.0.0", "haproxy")] },
        { node: "n2", listeners: [held(80, "0.0.0.0", "haproxy")] },
      ],
      "Deployment/router",
      { free: ["n3"], headroom: 1, max: 2, listenerBlocked: [] },
    ],
    [
      "a router's own socket without attribution costs it nothing either",
      three,
      [router("router-a", "n1")],
      [{ node: "n1", attribution: "none", listeners: [held(80, "0.0.0.0")] }],
      "Deployment/router",
      { free: ["n2", "n3"], max: 2, listenerBlocked: [] },
    ],
    [
      "pod tier: the socket attributed to its own replica is the workload itself",
      three,
      [router("router-a", "n1")],
      [
        {
          node: "n1",
          attribution: "pod",
          listeners: [held(80, "0.0.0.0", "haproxy", { pod: { namespace: "ns", name: "router-a" } })],
        },
      ],
      "Deployment/router",
      { free: ["n2", "n3"], max: 2, listenerBlocked: [] },
    ],
    [
      "pod tier: a process outside pods on its replica's node is in the way (not free, not in max)",
      three,
      [router("router-a", "n1")],
      [{ node: "n1", attribution: "pod", listeners: [held(80, "0.0.0.0", "nginx")] }],
      "Deployment/router",
      {
        free: ["n2", "n3"],
        max: 1,
        listenerBlocked: ["n1"],
        example: "n1 80/TCP nginx@0.0.0.0 host-service crash-loop-eaddrinuse",
      },
    ],
    [
      "pod tier: another pod's undeclared socket blocks",
      three,
      [
        router("router-a", "n1"),
        pod("sidecar-x", "n2", [9000], ["Deployment", "other"], { hostNetwork: true }),
      ],
      [
        {
          node: "n2",
          attribution: "pod",
          listeners: [held(80, "0.0.0.0", "envoy", { pod: { namespace: "ns", name: "sidecar-x" } })],
        },
      ],
      "Deployment/router",
      {
        free: ["n3"],
        listenerBlocked: ["n2"],
        example: "n2 80/TCP envoy@0.0.0.0 undeclared-host-network crash-loop-eaddrinuse",
      },
    ],
    [
      "another workload's declared socket blocks through its allocation, not as a listener",
      three,
      [
        router("router-a", "n1", [9100]),
        pod("exp-n2", "n2", [9100], ["DaemonSet", "exp"], { hostNetwork: true }),
      ],
      [{ node: "n2", listeners: [held(9100, "0.0.0.0", "node_exporter")] }],
      "Deployment/router",
      { free: ["n3"], max: 1, listenerBlocked: [] },
    ],
    [
      "a node an allocation blocks already is not counted again",
      three,
      [router("router-a", "n1"), pod("x-n2", "n2", [80], ["DaemonSet", "x"])],
      [{ node: "n2", listeners: [held(80, "0.0.0.0", "httpd")] }],
      "Deployment/router",
      { free: ["n3"], listenerBlocked: [] },
    ],
    [
      "an ineligible node's listeners do not count",
      [node("n1"), node("n2", { unschedulable: true }), node("n3")],
      [router("router-a", "n1")],
      [{ node: "n2", listeners: [held(80, "0.0.0.0", "httpd")] }],
      "Deployment/router",
      { free: ["n3"], listenerBlocked: [] },
    ],
    [
      "the lowest-named blocked node is the example, and each node counts once",
      three,
      [router("router-a", null, [80, 443])],
      [
        { node: "n3", listeners: [held(80, "0.0.0.0", "httpd"), held(443, "0.0.0.0", "httpd")] },
        { node: "n2", listeners: [held(443, "0.0.0.0", "stunnel")] },
      ],
      "Deployment/router",
      {
        free: ["n1"],
        headroom: 1,
        listenerBlocked: ["n2", "n3"],
        example: "n2 443/TCP stunnel@0.0.0.0 host-service crash-loop-eaddrinuse",
      },
    ],
  ])("%s", (_name, nodes, pods, reports, key, expected) => {
    expect(rowOf(nodes, pods, reports, key)).toMatchObject(expected);
  });

  it("is the allocations' headroom alone when no node reported listeners", () => {
    const pods = [router("router-a", "n1")];
    expect(rowOf(three, pods, [], "Deployment/router")).toEqual({
      free: ["n2", "n3"],
      headroom: 2,
      max: 2,
      listenerBlocked: [],
      example: null,
    });
  });
});

describe("IngressController headroom takes observed listeners as held", () => {
  const WORKER = { "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": "" };
  const workers = ["w1", "w2", "w3"].map((n) => node(n, { labels: WORKER }));
  const ic: IngressControllerFact = {
    fp: "x",
    namespace: "openshift-ingress-operator",
    name: "edge",
    replicas: 1,
    availableReplicas: 1,
    endpointPublishingStrategy: "HostNetwork",
    hostNetwork: { httpPort: 80, httpsPort: 443, statsPort: 1936, protocol: "TCP" },
    nodeSelector: null,
    tolerations: [],
    deployment: { namespace: "openshift-ingress", name: "router-edge" },
  };
  const routerPod = pod("router-edge-1", "w1", [80, 443, 1936], ["Deployment", "router-edge"], {
    namespace: "openshift-ingress",
    hostNetwork: true,
  });
  it.each<[string, Report[], object]>([
    [
      "its routers' own sockets cost it nothing",
      [{ node: "w1", listeners: [held(80, "0.0.0.0", "haproxy"), held(1936, "0.0.0.0", "haproxy")] }],
      { freeNodes: ["w1", "w2", "w3"], headroom: 2, listenerBlockedNodes: [] },
    ],
    [
      "a host service on its stats port keeps a node from it",
      [{ node: "w3", listeners: [held(1936, "127.0.0.1", "crio")] }],
      {
        freeNodes: ["w1", "w2"],
        headroom: 1,
        maxReplicasKeepingOneSpare: 1,
        listenerBlockedNodes: ["w3"],
        listenerExample: expect.objectContaining({ node: "w3", hostPort: 1936, processes: ["crio"] }),
      },
    ],
  ])("%s", (_name, reports, expected) => {
    const allocations = allocationsOf([routerPod]);
    const holds = runSteps(listenerHoldsSteps(factsOf(reports), allocations));
    const [row] = ingressControllerHeadroom(workers, [ic], indexByPort(allocations), holds);
    expect(row).toMatchObject(expected);
  });
});
