/**
 * Drain check: if node N were drained, where could each of its host-port pods go? A destination is
 * another node the pod is eligible for with none of its ports held there — by anyone, its own
 * workload included, since two replicas cannot share a host port. Each pod is judged against the
 * cluster as it is now; pods leaving N together are not placed against one another.
 */
import { nodeEligibility } from "./eligibility.js";
import { type BlockedNode, blockersOn, indexByNode } from "./held-ports.js";
import { type HostPortRef, normaliseHostPort } from "./ports.js";
import type { AllocationView, ClusterView } from "./views.js";
import { isBlockerOnly, type WorkloadRef, workloadOfPod } from "./workload.js";

/** stays: DaemonSet or static pod, bound to the node; movable: somewhere to go; stuck: nowhere. */
export type DrainDisposition = "stays" | "movable" | "stuck";

export interface DrainPod<T> {
  namespace: string;
  pod: string;
  workload: WorkloadRef;
  ports: HostPortRef[];
  disposition: DrainDisposition;
  canMove: boolean;
  destinations: string[];
  /** for a stuck pod: the eligible nodes and the allocations that block it there */
  blockedOn: BlockedNode<T>[];
  note: string;
}

export interface DrainCheck<T> {
  node: string;
  /** every pod that has to move has somewhere to go */
  drainable: boolean;
  pods: DrainPod<T>[];
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

const portRef = (port: HostPortRef): HostPortRef => {
  const { protocol, hostIP, hostPort } = normaliseHostPort(port);
  return { protocol, hostIP, hostPort };
};

/** The caller checks that `nodeName` exists; an unknown node simply has no pods. */
export function drainCheck<T extends AllocationView>(
  nodeName: string,
  { nodes, pods, allocations }: ClusterView<T>,
): DrainCheck<T> {
  const held = indexByNode(allocations);
  const others = nodes.filter((n) => n.name !== nodeName).sort((a, b) => a.name.localeCompare(b.name));
  const result: DrainPod<T>[] = [];
  const onNode = pods.filter((p) => p.node === nodeName).sort((a, b) => a.name.localeCompare(b.name));
  for (const pod of onNode) {
    const workload = workloadOfPod(pod);
    const ports = pod.ports.filter((p) => p.hostPort > 0).map(portRef);
    const base = { namespace: pod.namespace, pod: pod.name, workload, ports };
    if (isBlockerOnly(workload)) {
      const what = workload.kind === "DaemonSet" ? "DaemonSet" : "static pod";
      result.push({
        ...base,
        disposition: "stays",
        canMove: false,
        destinations: [],
        blockedOn: [],
        note: `not moved (${what}, stays with the node)`,
      });
      continue;
    }
    const destinations: string[] = [];
    const blockedOn: BlockedNode<T>[] = [];
    for (const node of others) {
      if (!nodeEligibility(node, pod).eligible) continue;
      const blockers = blockersOn(held, node.name, ports);
      if (blockers.length > 0) blockedOn.push({ node: node.name, blockers });
      else destinations.push(node.name);
    }
    const canMove = destinations.length > 0;
    const unseen =
      pod.hostNetwork && ports.length === 0
        ? " (hostNetwork without declared ports: the scheduler cannot see what it listens on)"
        : "";
    const note = canMove
      ? `can move to ${count(destinations.length, "node")}${unseen}`
      : blockedOn.length > 0
        ? `nowhere to go: host ports held on every other eligible node (${count(blockedOn.length, "node")})`
        : "nowhere to go: no other node is eligible";
    result.push({
      ...base,
      disposition: canMove ? "movable" : "stuck",
      canMove,
      destinations,
      blockedOn: canMove ? [] : blockedOn,
      note,
    });
  }
  return {
    node: nodeName,
    drainable: result.every((p) => p.disposition !== "stuck"),
    pods: result,
  };
}
