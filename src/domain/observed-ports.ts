/**
 * Observed listeners set beside a port map's rows (the dashboard's grid, the port report): per node
 * and port what listens there, classified, and whether it is the risk the scheduler cannot see; per
 * port what the listeners add up to. A row's port matches a listener by protocol and port, whatever
 * address either names: a wildcard bind fails on a loopback listener too (linux-bind.ts).
 */
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import { linuxBindBlockers, plannedBindOfHostPort } from "./linux-bind.js";
import { type ClassifiedListener, classifyListener, type ListenerClass } from "./listener-classes.js";
import type { HostPortRef } from "./ports.js";
import type { AllocationView } from "./views.js";

/** One node's listeners on the ports asked about, with the tier that collected them. */
export interface ListeningNode {
  node: string;
  attribution: AttributionTier;
  listeners: readonly ObservedListener[];
}

/** A hostNetwork hold of a port somewhere in the cluster: a pod's, or an IngressController's declaration. */
export type HostNetworkBind = Pick<HostPortRef, "protocol" | "hostPort" | "hostIP">;

export interface ObservedCell<A extends AllocationView = AllocationView> {
  node: string;
  protocol: string;
  hostPort: number;
  listeners: ClassifiedListener<A>[];
  /** some listener here is one no pod on the node declares */
  undeclared: boolean;
  /**
   * an undeclared listener here is in the way of a hostNetwork hold of the port in the cluster: a
   * replica of that workload placed on this node passes the scheduler, fails its bind and crash-loops
   */
  willCrash: boolean;
}

const portOf = (protocol: string, port: number) => `${port}/${protocol}`;

/**
 * The cells of `nodes` × the ports their listeners are on. `allocations` are the nodes' hostNetwork
 * holds of those ports (what classifies a listener as declared), `binds` the cluster's hostNetwork
 * holds of those ports on any node (what a listener elsewhere would be in the way of).
 */
export function observedCells<A extends AllocationView>(
  nodes: readonly ListeningNode[],
  allocations: readonly A[],
  binds: readonly HostNetworkBind[],
): ObservedCell<A>[] {
  const bindsByPort = new Map<string, HostNetworkBind[]>();
  for (const b of binds) {
    const key = portOf(b.protocol || "TCP", b.hostPort);
    bindsByPort.set(key, [...(bindsByPort.get(key) ?? []), b]);
  }
  const cells: ObservedCell<A>[] = [];
  for (const node of nodes) {
    const byPort = new Map<string, ObservedListener[]>();
    for (const l of node.listeners) {
      const key = portOf(l.protocol, l.port);
      byPort.set(key, [...(byPort.get(key) ?? []), l]);
    }
    for (const [key, listeners] of byPort) {
      const first = listeners[0] as ObservedListener;
      const classified = listeners.map((l) => classifyListener(node.node, node.attribution, l, allocations));
      const undeclared = classified.filter((c) => c.class !== "declared").map((c) => c.listener);
      const willCrash = (bindsByPort.get(key) ?? []).some(
        (b) => linuxBindBlockers(plannedBindOfHostPort(b), b.hostPort, undeclared).blockers.length > 0,
      );
      cells.push({
        node: node.node,
        protocol: first.protocol,
        hostPort: first.port,
        listeners: classified,
        undeclared: undeclared.length > 0,
        willCrash,
      });
    }
  }
  return cells;
}

/** Classes in the order a summary lists them: the ones that need a look first. */
const CLASS_ORDER: readonly ListenerClass[] = [
  "undeclared-host-network",
  "host-service",
  "unknown",
  "declared",
];

/** What a port's observed listeners add up to, as the port report prints it. */
export interface ObservedPortSummary {
  protocol: string;
  hostPort: number;
  /** nodes with a listener on the port among the cells summed */
  nodes: number;
  /** process names, sorted, each once */
  processes: string[];
  classes: ListenerClass[];
  /** every listener is on a loopback address: still in the way of a wildcard bind */
  loopbackOnly: boolean;
  /** nodes where an undeclared listener is in the way of a hostNetwork hold of the port */
  willCrashNodes: number;
}

/** Per port (`"<port>/<protocol>"`), the summary of the cells on it. */
export function observedPortSummaries(cells: readonly ObservedCell[]): Map<string, ObservedPortSummary> {
  const sums = new Map<
    string,
    {
      summary: ObservedPortSummary;
      nodes: Set<string>;
      processes: Set<string>;
      classes: Set<ListenerClass>;
    }
  >();
  for (const cell of cells) {
    const key = portOf(cell.protocol, cell.hostPort);
    let sum = sums.get(key);
    if (!sum) {
      sum = {
        summary: {
          protocol: cell.protocol,
          hostPort: cell.hostPort,
          nodes: 0,
          processes: [],
          classes: [],
          loopbackOnly: true,
          willCrashNodes: 0,
        },
        nodes: new Set(),
        processes: new Set(),
        classes: new Set(),
      };
      sums.set(key, sum);
    }
    sum.nodes.add(cell.node);
    if (cell.willCrash) sum.summary.willCrashNodes++;
    for (const c of cell.listeners) {
      sum.classes.add(c.class);
      for (const p of c.listener.processes) sum.processes.add(p.name);
      if (c.listener.scope !== "loopback") sum.summary.loopbackOnly = false;
    }
  }
  const answer = new Map<string, ObservedPortSummary>();
  for (const [key, sum] of sums) {
    answer.set(key, {
      ...sum.summary,
      nodes: sum.nodes.size,
      processes: [...sum.processes].sort(),
      classes: CLASS_ORDER.filter((c) => sum.classes.has(c)),
    });
  }
  return answer;
}

/** `"<port>/<protocol>"`: how cells and summaries are keyed. */
export const observedPortKey = (ref: { protocol: string; hostPort: number }) =>
  portOf(ref.protocol, ref.hostPort);
