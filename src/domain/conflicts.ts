/**
 * Host-port conflicts as the scheduler reported them: pods left Pending because every eligible node
 * already holds one of their host ports. For each, the eligible nodes, the allocations in the way on
 * each, and the eligible nodes that are free now (the scheduler's message predates a change).
 */
import { nodeEligibility } from "./eligibility.js";
import { type BlockedNode, blockersOn, indexByNode } from "./held-ports.js";
import type { AllocationView, ClusterView, PodView } from "./views.js";

/**
 * The NodePorts plugin's failure message, in the spellings schedulers have used: a case-insensitive
 * pattern that JavaScript and PostgreSQL (`~*`) read alike, so the fleet query filters with it too.
 */
export const HOST_PORT_FAILURE_PATTERN = "free ports for the requested pod ports";
const HOST_PORT_FAILURE = new RegExp(HOST_PORT_FAILURE_PATTERN, "i");

export interface SchedulingView extends PodView {
  schedulingMessage: string | null;
}

/** Unscheduled, and the scheduler said why: host ports. */
export const isPendingOnHostPorts = (pod: Pick<SchedulingView, "node" | "schedulingMessage">): boolean =>
  pod.node === null && pod.schedulingMessage !== null && HOST_PORT_FAILURE.test(pod.schedulingMessage);

export interface HostPortConflict<A, P> {
  pod: P;
  eligibleNodes: number;
  blockedNodes: BlockedNode<A>[];
  freeNodes: string[];
}

export function hostPortConflicts<A extends AllocationView, P extends SchedulingView>({
  nodes,
  pods,
  allocations,
}: ClusterView<A, P>): HostPortConflict<A, P>[] {
  const pending = pods.filter(isPendingOnHostPorts);
  if (pending.length === 0) return [];
  const held = indexByNode(allocations);
  return pending.map((pod) => {
    const eligible = nodes.filter((n) => nodeEligibility(n, pod).eligible);
    const blockedNodes: BlockedNode<A>[] = [];
    const freeNodes: string[] = [];
    for (const node of eligible) {
      const blockers = blockersOn(held, node.name, pod.ports);
      if (blockers.length > 0) blockedNodes.push({ node: node.name, blockers });
      else freeNodes.push(node.name);
    }
    return { pod, eligibleNodes: eligible.length, blockedNodes, freeNodes };
  });
}
