/**
 * Observed listeners as headroom reads them (docs/planning.md, "Headroom"): a node where a listener
 * is in the way of one of a workload's ports is not free for it, by plan fit's rule
 * (listener-fit.ts: the Linux bind rule for a hostNetwork port, the same address rule for an
 * ordinary hostPort's mapping), less the sockets some pod on the node declares (undeclaredListenerBlocks):
 * a replica's own socket is its workload, not a blocker.
 */
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import { STEP_CHUNK, type Steps } from "../contract/steps.js";
import { type HeldPorts, indexByNode, portKey } from "./held-ports.js";
import type { ListenerClass } from "./listener-classes.js";
import type { ListenerBlockEffect } from "./listener-fit.js";
import { type ListenerBlock, undeclaredListenerBlocks } from "./listener-fit.js";
import { listenerOfStored, type StoredListenerColumns } from "./node-listeners.js";
import type { HostPortRef } from "./ports.js";
import type { AllocationView } from "./views.js";

/** A stored listener of a node (node_listener_versions' fact, or the columns read back). */
export interface HeadroomListenerFact extends StoredListenerColumns {
  node: string;
  attribution: string;
}

/** What a headroom row names of the listeners that cost it nodes: the first blocked node's first blocker. */
export interface ListenerBlockExample {
  node: string;
  hostPort: number;
  protocol: string;
  effect: ListenerBlockEffect;
  address: string;
  port: number;
  /** SO_BINDTODEVICE or a scoped address; null when bound to no device */
  interface: string | null;
  processes: string[];
  pod: { namespace: string; name: string } | null;
  class: ListenerClass;
}

interface NodeReport {
  attribution: AttributionTier;
  listeners: ObservedListener[];
}

export interface ListenerHolds {
  /**
   * The nodes `candidate` admits where a listener no pod there declares is in the way of one of
   * `ports`, each with its first block (ports in their order). Work follows the listeners on those
   * ports, not the nodes.
   */
  blockedNodes(
    ports: readonly HostPortRef[],
    hostNetwork: boolean,
    candidate: (node: string) => boolean,
  ): Map<string, ListenerBlock>;
}

/**
 * The cluster's listeners by protocol/port, to be asked per workload; null when no node reported a
 * listener (headroom is then the allocations' alone). `allocations` are the pods' (an
 * IngressController's declared port is no pod, so it explains no socket).
 */
export function* listenerHoldsSteps(
  listeners: readonly HeadroomListenerFact[],
  allocations: readonly AllocationView[],
): Steps<ListenerHolds | null> {
  if (listeners.length === 0) return null;
  const facts = new Map<string, HeadroomListenerFact[]>();
  for (let i = 0; i < listeners.length; i++) {
    const l = listeners[i] as HeadroomListenerFact;
    const key = portKey({ protocol: l.protocol, hostPort: l.port, hostIP: "" });
    const list = facts.get(key);
    if (list) list.push(l);
    else facts.set(key, [l]);
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
  }
  // Built on first use: most pushes ask about a few ports, and none may have a listener.
  const reports = new Map<string, Map<string, NodeReport>>();
  const reportsOn = (key: string) => {
    let byNode = reports.get(key);
    if (!byNode) {
      byNode = new Map();
      for (const l of facts.get(key) ?? []) {
        const report = byNode.get(l.node) ?? { attribution: l.attribution as AttributionTier, listeners: [] };
        report.listeners.push(listenerOfStored(l));
        byNode.set(l.node, report);
      }
      reports.set(key, byNode);
    }
    return byNode;
  };
  let holds: HeldPorts<AllocationView> | undefined;
  const holdsOn = (node: string, key: string) => {
    holds ??= indexByNode(allocations);
    return holds.get(node)?.get(key) ?? [];
  };
  return {
    blockedNodes(ports, hostNetwork, candidate) {
      const blocked = new Map<string, ListenerBlock>();
      for (const port of ports) {
        const key = portKey(port);
        if (!facts.has(key)) continue;
        for (const [node, report] of reportsOn(key)) {
          if (blocked.has(node) || !candidate(node)) continue;
          const [block] = undeclaredListenerBlocks(
            [port],
            hostNetwork,
            { node, ...report },
            holdsOn(node, key),
          );
          if (block) blocked.set(node, block);
        }
      }
      return blocked;
    },
  };
}

/** A block as a headroom row names it. */
export function listenerBlockExample(node: string, block: ListenerBlock): ListenerBlockExample | null {
  const first = block.blockers[0];
  if (!first) return null;
  const { listener } = first;
  return {
    node,
    hostPort: block.port.hostPort,
    protocol: block.port.protocol,
    effect: block.effect,
    address: listener.address,
    port: listener.port,
    interface: listener.interface ?? null,
    processes: listener.processes.map((p) => p.name),
    pod: listener.pod ? { namespace: listener.pod.namespace, name: listener.pod.name } : null,
    class: first.class,
  };
}
