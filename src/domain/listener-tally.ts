/**
 * What /metrics says of a cluster's listeners, counted at ingest from its whole state: how many
 * nodes are observed (have a listener report) and how many of their listeners no pod declares (every
 * class but "declared": undeclared hostNetwork binds, host services and unattributed sockets).
 */
import type { NodeReport } from "./fact-state.js";
import type { AllocationFact } from "./history.js";
import { classifyListener } from "./listener-classes.js";
import { listenerOfStored } from "./node-listeners.js";

export interface ListenerTally {
  observedNodes: number;
  undeclaredListeners: number;
}

/** Only a hostNetwork pod's declared port is a socket; the others cannot explain a listener. */
function hostNetworkDeclarationsByNode(allocations: Iterable<AllocationFact>): Map<string, AllocationFact[]> {
  const byNode = new Map<string, AllocationFact[]>();
  for (const a of allocations) {
    if (!a.hostNetwork) continue;
    const list = byNode.get(a.node);
    if (list) list.push(a);
    else byNode.set(a.node, [a]);
  }
  return byNode;
}

export function listenerTally(
  reports: Iterable<NodeReport>,
  allocations: Iterable<AllocationFact>,
): ListenerTally {
  const declarations = hostNetworkDeclarationsByNode(allocations);
  let observedNodes = 0;
  let undeclaredListeners = 0;
  for (const { report, listeners } of reports) {
    observedNodes++;
    const onNode = declarations.get(report.node) ?? [];
    for (const fact of listeners) {
      const verdict = classifyListener(report.node, report.attribution, listenerOfStored(fact), onNode);
      if (verdict.class !== "declared") undeclaredListeners++;
    }
  }
  return { observedNodes, undeclaredListeners };
}
