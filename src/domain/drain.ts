/**
 * Drain check: if node N were drained, where could each of its host-port pods go? A destination is
 * another node the pod is eligible for with none of its ports held there — by anyone, its own
 * workload included, since two replicas cannot share a host port — and, where nodes report what they
 * listen on, no listener nobody declares in the way of those ports (listener-fit.ts): the scheduler
 * counts only declared ports, so it may still place the pod on such a node, where a hostNetwork pod
 * crash-loops. Each pod is judged against the cluster as it is now; pods leaving N together are not
 * placed against one another.
 */
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import { nodeEligibility } from "./eligibility.js";
import { type BlockedNode, blockersOn, indexByNode } from "./held-ports.js";
import { type ListenerBlock, undeclaredListenerBlocks } from "./listener-fit.js";
import { type HostPortRef, normaliseHostPort } from "./ports.js";
import type { AllocationView, ClusterView } from "./views.js";
import { isBlockerOnly, type WorkloadRef, workloadOfPod } from "./workload.js";

/** stays: DaemonSet or static pod, bound to the node; movable: somewhere to go; stuck: nowhere. */
export type DrainDisposition = "stays" | "movable" | "stuck";

export interface DrainPod<T extends AllocationView> {
  namespace: string;
  pod: string;
  workload: WorkloadRef;
  ports: HostPortRef[];
  disposition: DrainDisposition;
  canMove: boolean;
  destinations: string[];
  /** for a stuck pod: the eligible nodes and the allocations that block it there */
  blockedOn: BlockedNode<T>[];
  /** eligible nodes free by the scheduler's count where an observed listener is in the way */
  listenedOn: ListenedNode<T>[];
  note: string;
}

/** An eligible node where listeners nobody declares block some of the pod's ports. */
export interface ListenedNode<T extends AllocationView> {
  node: string;
  blocks: ListenerBlock<T>[];
}

/** What one node was observed listening on, on the ports in question (node_listener_versions). */
export interface NodeListenerReport {
  node: string;
  attribution: AttributionTier;
  listeners: readonly ObservedListener[];
}

export interface DrainCheck<T extends AllocationView> {
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

/**
 * The caller checks that `nodeName` exists; an unknown node simply has no pods. `listeners`: the
 * nodes' reports on the pods' ports, by node (a node without one is taken as free: not observed).
 */
export function drainCheck<T extends AllocationView>(
  nodeName: string,
  { nodes, pods, allocations }: ClusterView<T>,
  listeners: ReadonlyMap<string, NodeListenerReport> = new Map(),
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
        listenedOn: [],
        note: `not moved (${what}, stays with the node)`,
      });
      continue;
    }
    const destinations: string[] = [];
    const blockedOn: BlockedNode<T>[] = [];
    const listenedOn: ListenedNode<T>[] = [];
    for (const node of others) {
      if (!nodeEligibility(node, pod).eligible) continue;
      const blockers = blockersOn(held, node.name, ports);
      if (blockers.length > 0) {
        blockedOn.push({ node: node.name, blockers });
        continue;
      }
      const report = listeners.get(node.name);
      const blocks = report
        ? undeclaredListenerBlocks(
            ports,
            pod.hostNetwork,
            report,
            [...(held.get(node.name)?.values() ?? [])].flat(),
          )
        : [];
      if (blocks.length > 0) listenedOn.push({ node: node.name, blocks });
      else destinations.push(node.name);
    }
    const canMove = destinations.length > 0;
    result.push({
      ...base,
      disposition: canMove ? "movable" : "stuck",
      canMove,
      destinations,
      blockedOn: canMove ? [] : blockedOn,
      listenedOn,
      note: drainNote(
        pod.hostNetwork,
        ports.length,
        destinations.length,
        blockedOn.length,
        listenedOn.length,
      ),
    });
  }
  return {
    node: nodeName,
    drainable: result.every((p) => p.disposition !== "stuck"),
    pods: result,
  };
}

/** A pod's outcome in words; the scheduler's blind spot (listeners) named where it matters. */
function drainNote(
  hostNetwork: boolean,
  ports: number,
  free: number,
  held: number,
  listened: number,
): string {
  const unseen =
    hostNetwork && ports === 0
      ? " (hostNetwork without declared ports: the scheduler cannot see what it listens on)"
      : "";
  const harm = hostNetwork
    ? "would crash-loop there (address already in use)"
    : "would take the host service's traffic there";
  const listenedNote = `${count(listened, "node")} free by the scheduler's count ${listened === 1 ? "has" : "have"} a listener in the way: the scheduler may place it there, and it ${harm}`;
  if (free > 0)
    return `can move to ${count(free, "node")}${unseen}${listened > 0 ? `; ${listenedNote}` : ""}`;
  if (listened > 0)
    return `nowhere safe to go: ${held > 0 ? `host ports held on ${count(held, "node")}, and ` : ""}${listenedNote}`;
  return held > 0
    ? `nowhere to go: host ports held on every other eligible node (${count(held, "node")})`
    : "nowhere to go: no other node is eligible";
}
