import { describe, expect, it } from "vitest";
import type { ObservedListener } from "../../../src/contract/listeners.js";
import { drainCheck, type NodeListenerReport } from "../../../src/domain/drain.js";
import type { NodeView, PodView } from "../../../src/domain/views.js";
import { tcpListener } from "../../fixtures/listeners.js";
import { allocationsOf, node, pod } from "./builders.js";

const three = [node("n1"), node("n2"), node("n3")];
const web = (name: string, at: string, ports: (number | string)[] = [80], extra: Partial<PodView> = {}) =>
  pod(name, at, ports, ["Deployment", "web"], extra);

const drainN1 = (nodes: NodeView[], pods: PodView[]) =>
  drainCheck("n1", { nodes, pods, allocations: allocationsOf(pods) });

describe("drain check", () => {
  it.each<[string, NodeView[], PodView[], { disposition: string; destinations: string[]; note: string }]>([
    [
      "a replica of the same workload blocks its node",
      three,
      [web("web-1", "n1"), web("web-2", "n2")],
      { disposition: "movable", destinations: ["n3"], note: "can move to 1 node" },
    ],
    [
      "another workload's port blocks its node",
      three,
      [web("web-1", "n1"), pod("other-n3", "n3", [80], ["Deployment", "other"])],
      { disposition: "movable", destinations: ["n2"], note: "can move to 1 node" },
    ],
    [
      "ports held on every other eligible node",
      three,
      [web("web-1", "n1"), web("web-2", "n2"), web("web-3", "n3")],
      {
        disposition: "stuck",
        destinations: [],
        note: "nowhere to go: host ports held on every other eligible node (2 nodes)",
      },
    ],
    [
      "no other eligible node",
      [
        node("n1", { labels: { role: "edge" } }),
        node("n2"),
        node("n3", { labels: { role: "edge" }, ready: false }),
      ],
      [web("web-1", "n1", [80], { nodeSelector: { role: "edge" } })],
      { disposition: "stuck", destinations: [], note: "nowhere to go: no other node is eligible" },
    ],
    [
      "a cordoned node is no destination",
      [node("n1"), node("n2", { unschedulable: true }), node("n3")],
      [web("web-1", "n1")],
      { disposition: "movable", destinations: ["n3"], note: "can move to 1 node" },
    ],
    [
      "a DaemonSet pod stays",
      three,
      [pod("exp-n1", "n1", [9100], ["DaemonSet", "exp"])],
      { disposition: "stays", destinations: [], note: "not moved (DaemonSet, stays with the node)" },
    ],
    [
      "a static pod stays",
      three,
      [pod("etcd-n1", "n1", [2379, 2380], ["Node", "n1"])],
      { disposition: "stays", destinations: [], note: "not moved (static pod, stays with the node)" },
    ],
    [
      "a hostNetwork pod without declared ports is flagged",
      three,
      [pod("proxy-1", "n1", [], ["Deployment", "proxy"], { hostNetwork: true })],
      {
        disposition: "movable",
        destinations: ["n2", "n3"],
        note: "can move to 2 nodes (hostNetwork without declared ports: the scheduler cannot see what it listens on)",
      },
    ],
  ])("%s", (_name, nodes, pods, want) => {
    const [first] = drainN1(nodes, pods).pods;
    expect(first).toMatchObject({ ...want, canMove: want.disposition === "movable" });
  });

  it("lists the blockers per node for a stuck pod", () => {
    const pods = [
      web("web-1", "n1", [80, 443]),
      web("web-2", "n2", [80]),
      pod("tls-n3", "n3", [443], ["Deployment", "tls"]),
    ];
    const result = drainN1(three, pods);
    expect(result.pods[0]?.blockedOn).toEqual([
      { node: "n2", blockers: [expect.objectContaining({ pod: "web-2", hostPort: 80 })] },
      { node: "n3", blockers: [expect.objectContaining({ pod: "tls-n3", hostPort: 443 })] },
    ]);
    expect(result.drainable).toBe(false);
  });

  it.each<[string, PodView[], boolean]>([
    ["only pods that stay", [pod("exp-n1", "n1", [9100], ["DaemonSet", "exp"])], true],
    [
      "every movable pod has somewhere to go",
      [web("web-1", "n1"), pod("exp-n1", "n1", [9100], ["DaemonSet", "exp"])],
      true,
    ],
    [
      "one pod is stuck",
      [web("web-1", "n1"), web("web-2", "n2"), web("web-3", "n3"), pod("a-1", "n1", [81], null)],
      false,
    ],
    ["no host-port pods at all", [web("web-2", "n2")], true],
  ])("drainable when %s → %s", (_name, pods, drainable) => {
    expect(drainN1(three, pods).drainable).toBe(drainable);
  });

  it("looks only at the drained node's pods, in name order", () => {
    const pods = [web("web-2", "n2"), pod("b", "n1", [81], null), pod("a", "n1", [82], null)];
    expect(drainN1(three, pods).pods.map((p) => p.pod)).toEqual(["a", "b"]);
  });
});

describe("drain check against observed listeners", () => {
  const report = (nodeName: string, ...listeners: ObservedListener[]): [string, NodeListenerReport] => [
    nodeName,
    { node: nodeName, attribution: "process", listeners },
  ];
  const httpd = (address: string) => tcpListener(80, address, { processes: [{ name: "httpd" }] });
  const router = (extra: Partial<PodView> = {}) =>
    pod("router-1", "n1", [80], ["Deployment", "router"], { hostNetwork: true, ...extra });
  const drainWith = (pods: PodView[], reports: [string, NodeListenerReport][]) =>
    drainCheck("n1", { nodes: three, pods, allocations: allocationsOf(pods) }, new Map(reports)).pods[0];

  it.each<
    [
      string,
      PodView,
      [string, NodeListenerReport][],
      { disposition: string; destinations: string[]; listened: string[] },
    ]
  >([
    [
      "an undeclared wildcard listener takes a node out of the destinations",
      router(),
      [report("n2", httpd("0.0.0.0"))],
      { disposition: "movable", destinations: ["n3"], listened: ["n2"] },
    ],
    [
      "a loopback listener blocks a hostNetwork wildcard bind (Linux)",
      router(),
      [report("n2", httpd("127.0.0.1")), report("n3", httpd("::"))],
      { disposition: "stuck", destinations: [], listened: ["n2", "n3"] },
    ],
    [
      "a node that reports listening on nothing stays a destination",
      router(),
      [report("n2"), report("n3")],
      { disposition: "movable", destinations: ["n2", "n3"], listened: [] },
    ],
    [
      "a listener on another port is no blocker",
      router(),
      [report("n2", tcpListener(8080, "0.0.0.0"))],
      { disposition: "movable", destinations: ["n2", "n3"], listened: [] },
    ],
  ])("%s", (_name, routerPod, reports, want) => {
    const result = drainWith([routerPod], reports);
    expect(result).toMatchObject({ disposition: want.disposition, destinations: want.destinations });
    expect(result?.listenedOn.map((n) => n.node)).toEqual(want.listened);
  });

  it("says the scheduler may still place a pod where it would crash-loop", () => {
    expect(drainWith([router()], [report("n2", httpd("0.0.0.0"))])?.note).toBe(
      "can move to 1 node; 1 node free by the scheduler's count has a listener in the way: the scheduler may place it there, and it would crash-loop there (address already in use)",
    );
    expect(
      drainWith([router()], [report("n2", httpd("0.0.0.0")), report("n3", httpd("0.0.0.0"))])?.note,
    ).toBe(
      "nowhere safe to go: 2 nodes free by the scheduler's count have a listener in the way: the scheduler may place it there, and it would crash-loop there (address already in use)",
    );
  });

  it("a socket a pod on the node declares is that pod's allocation, not a listener in the way", () => {
    const other = pod("web-n2", "n2", [80], ["Deployment", "web"], { hostNetwork: true });
    const result = drainWith([router(), other], [report("n2", httpd("0.0.0.0"))]);
    expect(result?.blockedOn).toEqual([]);
    expect(result?.listenedOn).toEqual([]);
    expect(result?.destinations).toEqual(["n3"]);
  });
});
