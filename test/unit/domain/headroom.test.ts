import { describe, expect, it } from "vitest";
import { headroomStatus, workloadHeadroom } from "../../../src/domain/headroom.js";
import type { NodeView, PodView } from "../../../src/domain/views.js";
import { allocationsOf, node, pod } from "./builders.js";

const three = [node("n1"), node("n2"), node("n3")];
const web = (
  name: string,
  at: string | null,
  ports: (number | string)[] = [80],
  extra: Partial<PodView> = {},
) => pod(name, at, ports, ["Deployment", "web"], extra);

const rowsOf = (nodes: NodeView[], pods: PodView[]) =>
  Object.fromEntries(
    workloadHeadroom({ nodes, pods, allocations: allocationsOf(pods) }).map((r) => [
      `${r.kind}/${r.name}`,
      {
        replicas: r.replicas,
        pending: r.pending,
        eligible: r.eligibleNodes,
        free: r.freeNodes,
        headroom: r.headroom,
        status: r.status,
        max: r.maxReplicasKeepingOneSpare,
      },
    ]),
  );

describe("headroom status", () => {
  it.each([
    [-1, "none"],
    [0, "none"],
    [1, "low"],
    [2, "ok"],
    [40, "ok"],
  ])("%i free nodes → %s", (headroom, status) => {
    expect(headroomStatus(headroom)).toBe(status);
  });
});

describe("headroom per workload", () => {
  it.each<[string, NodeView[], PodView[], Record<string, object>]>([
    [
      "nodes holding its own replicas are not free but count for max replicas",
      three,
      [web("web-1", "n1"), web("web-2", "n2")],
      { "Deployment/web": { replicas: 2, free: ["n3"], headroom: 1, status: "low", max: 2 } },
    ],
    [
      "another workload's port blocks a node",
      three,
      [web("web-1", "n1"), pod("other-1", "n3", [80], ["Deployment", "other"])],
      {
        "Deployment/web": { free: ["n2"], headroom: 1, max: 1 },
        "Deployment/other": { free: ["n2"], headroom: 1, max: 1 },
      },
    ],
    [
      "a DaemonSet blocks every node and gets no row",
      three,
      [
        web("web-1", null, [9100]),
        ...three.map((n) => pod(`exp-${n.name}`, n.name, [9100], ["DaemonSet", "exp"])),
      ],
      { "Deployment/web": { replicas: 1, pending: 1, free: [], headroom: 0, status: "none", max: 0 } },
    ],
    [
      "a static pod blocks its node and gets no row",
      three,
      [web("web-1", "n1", [10257]), pod("kcm-n2", "n2", [10257], ["Node", "n2"])],
      { "Deployment/web": { free: ["n3"], max: 1 } },
    ],
    [
      "a bare pod is its own workload",
      three,
      [pod("debug", "n1", [8080], null)],
      { "Pod/debug": { replicas: 1, free: ["n2", "n3"], headroom: 2, status: "ok", max: 2 } },
    ],
    [
      "another protocol on the same port does not block",
      three,
      [web("web-1", "n1", ["UDP/53"]), pod("dns-n2", "n2", [53], ["DaemonSet", "dns"])],
      { "Deployment/web": { free: ["n2", "n3"], headroom: 2 } },
    ],
    [
      "different specific IPs do not block",
      three,
      [web("web-1", "n1", ["10.0.0.1:80"]), pod("x-n2", "n2", ["10.0.0.2:80"], ["DaemonSet", "x"])],
      { "Deployment/web": { free: ["n2", "n3"] } },
    ],
    [
      "a specific IP is blocked by the wildcard",
      three,
      [web("web-1", "n1", ["10.0.0.1:80"]), pod("x-n2", "n2", [80], ["DaemonSet", "x"])],
      { "Deployment/web": { free: ["n3"] } },
    ],
    [
      "not-ready and cordoned nodes are not eligible",
      [node("n1"), node("n2", { ready: false }), node("n3", { unschedulable: true })],
      [web("web-1", "n1")],
      { "Deployment/web": { eligible: ["n1"], free: [], headroom: 0, max: 0 } },
    ],
    [
      "the workload's nodeSelector decides eligibility",
      [node("n1", { labels: { role: "edge" } }), node("n2", { labels: { role: "edge" } }), node("n3")],
      [web("web-1", "n1", [80], { nodeSelector: { role: "edge" } })],
      { "Deployment/web": { eligible: ["n1", "n2"], free: ["n2"], max: 1 } },
    ],
    [
      "pending replicas count as replicas",
      three,
      [web("web-1", "n1"), web("web-2", null), web("web-3", null)],
      { "Deployment/web": { replicas: 3, pending: 2, free: ["n2", "n3"] } },
    ],
    [
      "a hostNetwork workload without declared ports gets no row",
      three,
      [pod("proxy-1", "n1", [], ["Deployment", "proxy"], { hostNetwork: true })],
      {},
    ],
    [
      "max replicas is never negative",
      [node("n1", { ready: false })],
      [web("web-1", null)],
      { "Deployment/web": { eligible: [], free: [], max: 0 } },
    ],
  ])("%s", (_name, nodes, pods, expected) => {
    const rows = rowsOf(nodes, pods);
    expect(Object.keys(rows).sort()).toEqual(Object.keys(expected).sort());
    for (const [key, want] of Object.entries(expected)) expect(rows[key]).toMatchObject(want);
  });

  it("reports the union of its pods' ports, normalised and sorted", () => {
    const pods = [web("web-1", "n1", [443, 80]), web("web-2", "n2", [80, "UDP/443"])];
    expect(workloadHeadroom({ nodes: three, pods, allocations: allocationsOf(pods) })[0]?.ports).toEqual([
      { protocol: "TCP", hostIP: "0.0.0.0", hostPort: 80 },
      { protocol: "TCP", hostIP: "0.0.0.0", hostPort: 443 },
      { protocol: "UDP", hostIP: "0.0.0.0", hostPort: 443 },
    ]);
  });
});
