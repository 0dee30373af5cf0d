/**
 * Whether a planned workload's host ports meet an observed listener on a node. A hostNetwork pod
 * binds its ports as sockets: a listener in the way under the Linux bind rule (linux-bind.ts) makes
 * its bind fail with EADDRINUSE, and since the scheduler counts only declared ports the pod starts
 * and crash-loops rather than staying Pending. An ordinary pod's hostPort is a CNI mapping, not a
 * socket: it would start, but its DNAT rule would capture the traffic meant for the host's service,
 * so planning takes the port as held all the same (docs/planning.md, "Observed listeners").
 */
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import { type BindAssumption, linuxBindBlockers, plannedBindOfHostPort } from "./linux-bind.js";
import { type ClassifiedListener, classifyListener } from "./listener-classes.js";
import type { HostPortRef } from "./ports.js";
import type { AllocationView } from "./views.js";

export type ListenerBlockEffect =
  /** a hostNetwork pod's bind fails: it runs and crash-loops with EADDRINUSE, never Pending */
  | "crash-loop-eaddrinuse"
  /** a CNI hostPort mapping would take the host service's traffic on that port */
  | "captures-host-traffic";

export interface ListenerBlock<A extends AllocationView = AllocationView> {
  port: HostPortRef;
  effect: ListenerBlockEffect;
  blockers: ClassifiedListener<A>[];
  assumptions: BindAssumption[];
}

/** The wanted ports a node's listeners block, each with the listeners in its way (empty: none). */
export function listenerBlocks<A extends AllocationView>(
  wanted: readonly HostPortRef[],
  hostNetwork: boolean,
  node: { node: string; attribution: AttributionTier; listeners: readonly ObservedListener[] },
  allocations: readonly A[],
): ListenerBlock<A>[] {
  const blocks: ListenerBlock<A>[] = [];
  for (const port of wanted) {
    if (port.hostPort <= 0) continue;
    const check = linuxBindBlockers(plannedBindOfHostPort(port), port.hostPort, node.listeners);
    if (check.blockers.length === 0) continue;
    blocks.push({
      port,
      effect: hostNetwork ? "crash-loop-eaddrinuse" : "captures-host-traffic",
      blockers: check.blockers.map((l) => classifyListener(node.node, node.attribution, l, allocations)),
      assumptions: check.assumptions,
    });
  }
  return blocks;
}

/**
 * listenerBlocks without the listeners some pod on the node declares (class `declared`, by the node's
 * `allocations`): such a socket is that pod's own. To a replica of its own workload it is the
 * workload itself, never a blocker (a router's own socket does not cost it a node); to any other
 * workload the declaration is an allocation, which blocks by the scheduler's rule already.
 */
export function undeclaredListenerBlocks<A extends AllocationView>(
  wanted: readonly HostPortRef[],
  hostNetwork: boolean,
  node: { node: string; attribution: AttributionTier; listeners: readonly ObservedListener[] },
  allocations: readonly A[],
): ListenerBlock<A>[] {
  const blocks: ListenerBlock<A>[] = [];
  for (const block of listenerBlocks(wanted, hostNetwork, node, allocations)) {
    const blockers = block.blockers.filter((c) => c.class !== "declared");
    if (blockers.length > 0) blocks.push({ ...block, blockers });
  }
  return blocks;
}
