/**
 * The conflict the scheduler cannot see: a hostNetwork pod placed on a node where a socket nobody
 * declared already holds one of its ports. The scheduler counts only declared host ports, so the pod
 * is not left Pending: it starts, its bind fails with EADDRINUSE, and it crash-loops. Listeners a pod
 * declares are the scheduler's business (a declared clash leaves the pod Pending), so only undeclared
 * ones count here; the pod's own sockets are never in its way.
 */
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import { type BindAssumption, linuxBindBlockers, plannedBindOfHostPort } from "./linux-bind.js";
import { type ClassifiedListener, classifyListener } from "./listener-classes.js";
import type { HostPortRef } from "./ports.js";
import type { AllocationView } from "./views.js";

export interface HostNetworkPodPorts {
  namespace: string;
  name: string;
  hostNetwork: boolean;
  ports: readonly (HostPortRef & { container?: string })[];
}

export interface WillCrashConflict<A extends AllocationView = AllocationView> {
  node: string;
  /** the pod's declared port whose bind would fail */
  port: HostPortRef & { container?: string };
  /** each listener in the way, classified: its processes and pod name who holds it */
  blockers: ClassifiedListener<A>[];
  assumptions: BindAssumption[];
}

const isOwnSocket = (pod: HostNetworkPodPorts, listener: ObservedListener) =>
  listener.pod?.namespace === pod.namespace && listener.pod.name === pod.name;

/**
 * `pod` may be running on the node (its declarations are among `allocations`) or planned there (they
 * are not). An ordinary pod's hostPort is a CNI mapping that binds nothing, so it never crashes here.
 */
export function willCrashConflicts<A extends AllocationView>(
  pod: HostNetworkPodPorts,
  node: { node: string; attribution: AttributionTier; listeners: readonly ObservedListener[] },
  allocations: readonly A[],
): WillCrashConflict<A>[] {
  if (!pod.hostNetwork) return [];
  const others = node.listeners.filter((l) => !isOwnSocket(pod, l));
  const conflicts: WillCrashConflict<A>[] = [];
  for (const port of pod.ports) {
    if (port.hostPort <= 0) continue;
    const check = linuxBindBlockers(plannedBindOfHostPort(port), port.hostPort, others);
    const blockers = check.blockers
      .map((l) => classifyListener(node.node, node.attribution, l, allocations))
      .filter((c) => c.class !== "declared");
    if (blockers.length > 0)
      conflicts.push({ node: node.node, port, blockers, assumptions: check.assumptions });
  }
  return conflicts;
}
