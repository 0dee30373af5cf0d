import { describe, expect, it } from "vitest";
import type { WorkloadHeadroom } from "../../../src/domain/headroom.js";
import type { HostPortRef } from "../../../src/domain/ports.js";
import {
  memberToMove,
  perNodeHolders,
  type SharedPortSet,
  sharedPortSetAdvice,
  sharedPortSets,
  withoutScaleDown,
} from "../../../src/domain/shared-port-sets.js";

const tcp = (hostPort: number, hostIP = "0.0.0.0"): HostPortRef => ({ protocol: "TCP", hostIP, hostPort });
const workers = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `worker-${from + i}`);
const ROUTER_PORTS = [tcp(80), tcp(443), tcp(1936)];
const IC_NS = "openshift-ingress-operator";

function row(
  kind: string,
  name: string,
  ports: HostPortRef[],
  eligibleNodes: string[],
  extra: Partial<WorkloadHeadroom> = {},
): WorkloadHeadroom {
  const namespace = kind === "IngressController" ? IC_NS : kind === "Deployment" ? "apps" : "x";
  return {
    namespace,
    kind,
    name,
    replicas: 2,
    pending: 0,
    ports,
    eligibleNodes,
    freeNodes: [],
    headroom: 0,
    status: "none",
    maxReplicasKeepingOneSpare: 0,
    listenerBlockedNodes: [],
    listenerExample: null,
    ...extra,
  };
}
const ic = (
  name: string,
  ports = ROUTER_PORTS,
  nodes = workers(1, 6),
  extra: Partial<WorkloadHeadroom> = {},
) => row("IngressController", name, ports, nodes, extra);
const deployment = (name: string, ports: HostPortRef[], nodes: string[], namespace = "apps") => ({
  ...row("Deployment", name, ports, nodes),
  namespace,
});
const controller = (name: string, nodeSelector: Record<string, string> | null = null) => ({
  namespace: IC_NS,
  name,
  nodeSelector,
  router: { namespace: "openshift-ingress", kind: "Deployment", name: `router-${name}` },
});

/** Each finding as "a+b ports@nodes", members by name. */
const summarise = (rows: WorkloadHeadroom[], controllers = [controller("default"), controller("internal")]) =>
  sharedPortSets(rows, controllers).findings.map(
    (f) =>
      `${f.workloads.map((w) => w.name).join("+")} ${f.ports.map((p) => `${p.hostIP}:${p.hostPort}`).join(",")}@${f.nodes}`,
  );

describe("shared port sets", () => {
  it.each<[string, WorkloadHeadroom[], string[]]>([
    [
      "two IngressControllers on 80/443/1936 over the same six workers",
      [ic("default"), ic("internal")],
      ["default+internal 0.0.0.0:80,0.0.0.0:443,0.0.0.0:1936@6"],
    ],
    [
      "different ports: no finding",
      [ic("default"), ic("internal", [tcp(10080), tcp(10443), tcp(11936)])],
      [],
    ],
    [
      "one port in common names only that port",
      [ic("default"), ic("internal", [tcp(10080), tcp(443), tcp(11936)])],
      ["default+internal 0.0.0.0:443@6"],
    ],
    [
      "placements that do not overlap: no finding",
      [ic("default", ROUTER_PORTS, workers(1, 3)), ic("internal", ROUTER_PORTS, workers(4, 6))],
      [],
    ],
    [
      "placements overlapping on two nodes: the shared count",
      [ic("default", ROUTER_PORTS, workers(1, 4)), ic("internal", ROUTER_PORTS, workers(3, 6))],
      ["default+internal 0.0.0.0:80,0.0.0.0:443,0.0.0.0:1936@2"],
    ],
    [
      "distinct host IPs do not conflict (the scheduler's rule)",
      [
        deployment("a", [tcp(8080, "10.0.0.1")], workers(1, 3)),
        deployment("b", [tcp(8080, "10.0.0.2")], workers(1, 3)),
      ],
      [],
    ],
    [
      "0.0.0.0 conflicts with any host IP",
      [deployment("a", [tcp(8080, "10.0.0.1")], workers(1, 3)), deployment("b", [tcp(8080)], workers(1, 3))],
      ["a+b 10.0.0.1:8080@3"],
    ],
    [
      "same port, other protocol: no finding",
      [
        deployment("a", [{ protocol: "UDP", hostIP: "0.0.0.0", hostPort: 53 }], workers(1, 3)),
        deployment("b", [tcp(53)], workers(1, 3)),
      ],
      [],
    ],
    [
      "three on the same ports and nodes are one set, not three pairs",
      [ic("default"), ic("internal"), ic("shard-c")],
      ["default+internal+shard-c 0.0.0.0:80,0.0.0.0:443,0.0.0.0:1936@6"],
    ],
  ])("%s", (_, rows, expected) => {
    expect(summarise(rows, [controller("default"), controller("internal"), controller("shard-c")])).toEqual(
      expected,
    );
  });

  it("folds a router Deployment into its IngressController: no set with its own controller, one row speaks", () => {
    const rows = [
      ic("default"),
      ic("internal"),
      deployment("router-default", ROUTER_PORTS, workers(1, 6), "openshift-ingress"),
      deployment("router-internal", ROUTER_PORTS, workers(1, 6), "openshift-ingress"),
    ];
    const { findings, partOf } = sharedPortSets(rows, [controller("default"), controller("internal")]);
    expect(findings.map((f) => f.workloads.map((w) => `${w.kind}/${w.name}`))).toEqual([
      ["IngressController/default", "IngressController/internal"],
    ]);
    expect(Object.fromEntries(partOf)).toEqual({
      "openshift-ingress/Deployment/router-default": {
        namespace: IC_NS,
        kind: "IngressController",
        name: "default",
      },
      "openshift-ingress/Deployment/router-internal": {
        namespace: IC_NS,
        kind: "IngressController",
        name: "internal",
      },
    });
  });

  it("keeps a router Deployment as its own workload when its IngressController has no row (not HostNetwork)", () => {
    const rows = [deployment("router-default", ROUTER_PORTS, workers(1, 6), "openshift-ingress")];
    expect(sharedPortSets(rows, [controller("default")]).partOf.size).toBe(0);
  });
});

const finding = (workloads: SharedPortSet["workloads"], ports = ROUTER_PORTS, nodes = 6): SharedPortSet => ({
  workloads,
  ports,
  nodes,
});
const member = (kind: string, name: string, pending = 0, nodeSelector?: Record<string, string> | null) => ({
  namespace: kind === "IngressController" ? IC_NS : "apps",
  kind,
  name,
  replicas: 3,
  pending,
  ...(nodeSelector === undefined ? {} : { nodeSelector }),
});

describe("which member to move", () => {
  it.each<[string, SharedPortSet["workloads"], string]>([
    [
      "never the default IngressController when another will do",
      [member("IngressController", "default"), member("IngressController", "internal")],
      "internal",
    ],
    [
      "the one with Pending replicas",
      [member("IngressController", "a", 0), member("IngressController", "b", 1)],
      "b",
    ],
    [
      "the later by name otherwise",
      [member("IngressController", "a"), member("IngressController", "b")],
      "b",
    ],
    [
      "an IngressController before a Deployment",
      [member("Deployment", "web", 2), member("IngressController", "internal")],
      "internal",
    ],
  ])("%s", (_, workloads, expected) => {
    expect(memberToMove(finding(workloads)).name).toBe(expected);
  });
});

describe("a shared port set's advice", () => {
  it("names the set and the plan ingresscontroller command that moves one IngressController", () => {
    const advice = sharedPortSetAdvice(
      finding([
        member("IngressController", "default", 0, { "node-role.kubernetes.io/worker": "" }),
        member("IngressController", "internal", 1, { "node-role.kubernetes.io/worker": "" }),
      ]),
      "prod-us-1",
    );
    expect(advice.summary).toBe("default and internal compete for 80/443/1936 on the same 6 nodes");
    expect(advice.move).toEqual({ namespace: IC_NS, kind: "IngressController", name: "internal" });
    expect(advice.advice[0]).toBe(
      "move internal to a free port set: portolan plan ingresscontroller internal --move --cluster prod-us-1 --replicas 3 --node-selector node-role.kubernetes.io/worker= -o yaml | oc apply -f -",
    );
    expect(advice.advice[1]).toMatch(/^separate their node placements/);
    expect(advice.advice.join(" ")).not.toMatch(/lower replicas|oc patch|scale/);
  });

  it("leaves --node-selector out for an IngressController on the CRD's default placement", () => {
    const advice = sharedPortSetAdvice(
      finding([
        member("IngressController", "default", 0, null),
        member("IngressController", "internal", 0, null),
      ]),
      "c",
    );
    expect(advice.advice[0]).toBe(
      "move internal to a free port set: portolan plan ingresscontroller internal --move --cluster c --replicas 3 -o yaml | oc apply -f -",
    );
  });

  it.each<[string, SharedPortSet, string, string]>([
    [
      "two Deployments on one port: another hostPort, found by plan free",
      finding([member("Deployment", "a"), member("Deployment", "b")], [tcp(8080)], 3),
      "a and b compete for 8080 on the same 3 nodes",
      "give Deployment apps/b other host ports: portolan plan free --cluster c --width 1 finds a free range",
    ],
    [
      "mixed kinds and protocols are spelled out",
      finding(
        [member("Deployment", "dns"), member("StatefulSet", "resolver")],
        [{ protocol: "UDP", hostIP: "0.0.0.0", hostPort: 53 }, tcp(53)],
        1,
      ),
      "Deployment dns and StatefulSet resolver compete for 53/UDP, 53/TCP on the same 1 node",
      "give StatefulSet apps/resolver other host ports: portolan plan free --cluster c --width 2 finds a free range",
    ],
  ])("%s", (_, set, summary, first) => {
    const advice = sharedPortSetAdvice(set, "c");
    expect(advice.summary).toBe(summary);
    expect(advice.advice[0]).toBe(first);
  });
});

describe("a member's own advice", () => {
  const stalls = {
    outcome: "stalls",
    fixes: ["lower replicas to 2", "add 1 eligible node with the ports free"],
  };
  const set = { advice: ["move internal …", "or separate …"] };
  it.each<[string, Parameters<typeof withoutScaleDown>[1], string | null, string[]]>([
    [
      "outside a set: unchanged",
      [],
      "oc patch …",
      ["lower replicas to 2", "add 1 eligible node with the ports free"],
    ],
    [
      "in a set: no replicas patch, no scale-down fix, the set's advice first",
      [set],
      null,
      ["move internal …", "or separate …", "add 1 eligible node with the ports free"],
    ],
  ])("%s", (_, sets, patch, fixes) => {
    const advice = withoutScaleDown({ patch: "oc patch …", rollout: stalls }, sets);
    expect(advice.patch).toBe(patch);
    expect(advice.rollout.fixes).toEqual(fixes);
  });

  it("leaves a rollout that completes as it is", () => {
    const completes = { outcome: "completes", fixes: [] };
    expect(withoutScaleDown({ patch: null, rollout: completes }, [set]).rollout).toBe(completes);
  });
});

describe("DaemonSets and static pods in a shared port set", () => {
  const allocation = (
    namespace: string,
    pod: string,
    ownerKind: string | null,
    ownerName: string | null,
    node: string,
    hostPort: number,
  ) => ({
    namespace,
    pod,
    ownerKind,
    ownerName,
    node,
    protocol: "TCP" as const,
    hostIP: "0.0.0.0",
    hostPort,
  });
  const nodeExporter = workers(1, 4).map((n, i) =>
    allocation("monitoring", `node-exporter-${i}`, "DaemonSet", "node-exporter", n, 9100),
  );

  it("groups a cluster's per-node holders by workload, with their ports and nodes, and leaves the rest out", () => {
    const holders = perNodeHolders([
      ...nodeExporter,
      allocation("kube-system", "etcd-worker-1", "Node", "worker-1", "worker-1", 2379),
      allocation("apps", "traefik-x", "Deployment", "traefik", "worker-1", 9100),
    ]);
    expect(holders.map((h) => [h.kind, h.name, h.ports.map((p) => p.hostPort), h.nodes.length])).toEqual([
      ["DaemonSet", "node-exporter", [9100], 4],
      ["Node", "worker-1", [2379], 1],
    ]);
  });

  it.each<[string, WorkloadHeadroom[], string[]]>([
    [
      "a Deployment on a DaemonSet's port over its nodes: a set, and the Deployment is the one to move",
      [deployment("traefik", [tcp(9100)], workers(1, 4))],
      ["traefik+node-exporter 0.0.0.0:9100@4 move traefik"],
    ],
    [
      "a Deployment whose eligible nodes the DaemonSet does not run on: no set",
      [deployment("traefik", [tcp(9100)], workers(5, 6))],
      [],
    ],
    ["no headroom row on the port: two per-node holders are a conflict, not a set", [], []],
  ])("%s", (_, rows, expected) => {
    const secondDaemonSet = workers(1, 4).map((n, i) =>
      allocation("monitoring", `other-exporter-${i}`, "DaemonSet", "other-exporter", n, 9100),
    );
    const { findings } = sharedPortSets(rows, [], perNodeHolders([...nodeExporter, ...secondDaemonSet]));
    expect(
      findings
        .filter((f) => f.workloads.some((w) => w.name === "traefik"))
        .map(
          (f) =>
            `${f.workloads
              .filter((w) => w.name !== "other-exporter")
              .map((w) => w.name)
              .join(
                "+",
              )} ${f.ports.map((p) => `${p.hostIP}:${p.hostPort}`).join(",")}@${f.nodes} move ${memberToMove(f).name}`,
        ),
    ).toEqual(expected);
    expect(findings.every((f) => f.workloads.some((w) => w.kind !== "DaemonSet"))).toBe(true);
  });

  it("advises giving the Deployment other host ports, never a scale-down", () => {
    const { findings } = sharedPortSets(
      [deployment("traefik", [tcp(9100)], workers(1, 4))],
      [],
      perNodeHolders(nodeExporter),
    );
    const [finding] = findings;
    if (!finding) throw new Error("no finding");
    const advice = sharedPortSetAdvice(finding, "stage-eu-1");
    expect(advice.summary).toBe(
      "Deployment traefik and DaemonSet node-exporter compete for 9100 on the same 4 nodes",
    );
    expect(advice.move).toEqual({ namespace: "apps", kind: "Deployment", name: "traefik" });
    expect(advice.advice[0]).toBe(
      "give Deployment apps/traefik other host ports: portolan plan free --cluster stage-eu-1 --width 1 finds a free range",
    );
  });
});
