import { describe, expect, it } from "vitest";
import {
  hostPortConflicts,
  isPendingOnHostPorts,
  type SchedulingView,
} from "../../../src/domain/conflicts.js";
import type { PodView } from "../../../src/domain/views.js";
import { allocationsOf, node, pod } from "./builders.js";

const PORTS_MESSAGE =
  "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.";

const scheduling = (p: PodView, schedulingMessage: string | null): SchedulingView => ({
  ...p,
  schedulingMessage,
});

const nodes = [
  node("n1"),
  node("n2"),
  node("n3", { taints: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }] }),
  node("n4", { labels: { role: "edge" } }),
];
const bound = [
  pod("router-a", "n1", [80, 443], ["Deployment", "router"]),
  pod("router-b", "n2", ["10.0.0.2:80"], ["Deployment", "router"]),
  pod("dns-n4", "n4", ["UDP/80"], ["DaemonSet", "dns"]),
];

function conflictsOf(pending: SchedulingView) {
  const pods = [...bound.map((p) => scheduling(p, null)), pending];
  return hostPortConflicts({ nodes, pods, allocations: allocationsOf(bound) }).map((c) => ({
    pod: c.pod.name,
    eligible: c.eligibleNodes,
    blocked: c.blockedNodes.map((b) => `${b.node}:${b.blockers.map((a) => a.pod).join("+")}`),
    free: c.freeNodes,
  }));
}

describe("host-port conflicts", () => {
  it.each<[string, SchedulingView, { eligible: number; blocked: string[]; free: string[] }[]]>([
    [
      "the wildcard is blocked by a wildcard and by a specific IP; other protocols and tainted nodes are not in play",
      scheduling(pod("router-c", null, [80], ["Deployment", "router"]), PORTS_MESSAGE),
      [{ eligible: 3, blocked: ["n1:router-a", "n2:router-b"], free: ["n4"] }],
    ],
    [
      "a specific IP is blocked only by itself and by the wildcard",
      scheduling(pod("other", null, ["10.0.0.9:80"], ["Deployment", "other"]), PORTS_MESSAGE),
      [{ eligible: 3, blocked: ["n1:router-a"], free: ["n2", "n4"] }],
    ],
    [
      "`::` is not a wildcard: it is blocked only where the wildcard is held",
      scheduling(pod("v6", null, [":::80"], ["Deployment", "v6"]), PORTS_MESSAGE),
      [{ eligible: 3, blocked: ["n1:router-a"], free: ["n2", "n4"] }],
    ],
    [
      "a UDP port is blocked by UDP holders only",
      scheduling(pod("dns-extra", null, ["UDP/80"], null), PORTS_MESSAGE),
      [{ eligible: 3, blocked: ["n4:dns-n4"], free: ["n1", "n2"] }],
    ],
    [
      "a toleration and a selector narrow the eligible nodes",
      scheduling(
        pod("infra", null, [443], ["Deployment", "infra"], {
          nodeSelector: { role: "edge" },
          tolerations: [{ operator: "Exists" }],
        }),
        PORTS_MESSAGE,
      ),
      [{ eligible: 1, blocked: [], free: ["n4"] }],
    ],
    [
      "a pod pending for another reason is no host-port conflict",
      scheduling(pod("cpu", null, [80], null), "0/4 nodes are available: 4 Insufficient cpu."),
      [],
    ],
    [
      "a pod the scheduler has not judged yet is none either",
      scheduling(pod("new", null, [80], null), null),
      [],
    ],
  ])("%s", (_title, pending, expected) => {
    expect(conflictsOf(pending).map(({ pod: _pod, ...rest }) => rest)).toEqual(expected);
  });

  it("recognises the scheduler's message only on unscheduled pods", () => {
    expect(isPendingOnHostPorts({ node: null, schedulingMessage: PORTS_MESSAGE })).toBe(true);
    expect(isPendingOnHostPorts({ node: "n1", schedulingMessage: PORTS_MESSAGE })).toBe(false);
    expect(isPendingOnHostPorts({ node: null, schedulingMessage: "" })).toBe(false);
  });
});
