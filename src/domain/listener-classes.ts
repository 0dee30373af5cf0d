/**
 * Each observed listener of a node set against what the pods on that node declare. Only a
 * hostNetwork pod's declared port (its containerPort, which is its hostPort) is a socket on the node;
 * an ordinary pod's hostPort is a CNI port mapping (DNAT rules), never a socket, so it explains no
 * listener. A declaration matches on protocol and port: the pod spec does not say which address the
 * process binds.
 */
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import type { AllocationView } from "./views.js";

export type ListenerClass = "declared" | "undeclared-host-network" | "host-service" | "unknown";

export type ListenerClassReason =
  /** the pod the socket is attributed to declares its protocol/port */
  | "owning-pod-declares-port"
  /** the socket's pod does not declare it (another pod may: `declaredBy` says) */
  | "owning-pod-does-not-declare-port"
  /** the tier could not name a pod; a hostNetwork pod on the node declares the protocol/port */
  | "a-pod-declares-port"
  /** the tier attributes pods and found none for the owning process */
  | "process-outside-pods"
  /** the process is known but the tier does not look up pods */
  | "process-pod-not-looked-up"
  /** no process owns the socket (a kernel socket such as Geneve's UDP 6081) */
  | "no-owning-process"
  /** the tier does not attribute sockets at all */
  | "no-attribution";

export interface ClassifiedListener<A extends AllocationView = AllocationView> {
  listener: ObservedListener;
  class: ListenerClass;
  reason: ListenerClassReason;
  /** the node's hostNetwork declarations of the listener's protocol/port */
  declaredBy: A[];
}

const declaresListener = (allocation: AllocationView, listener: ObservedListener) =>
  allocation.hostNetwork &&
  allocation.hostPort === listener.port &&
  (allocation.protocol || "TCP") === listener.protocol;

/** `allocations` are the node's own (others are ignored, so a cluster's list may be passed). */
export function classifyListener<A extends AllocationView>(
  node: string,
  tier: AttributionTier,
  listener: ObservedListener,
  allocations: readonly A[],
): ClassifiedListener<A> {
  const declaredBy = allocations.filter((a) => a.node === node && declaresListener(a, listener));
  const verdict = (cls: ListenerClass, reason: ListenerClassReason) => ({
    listener,
    class: cls,
    reason,
    declaredBy,
  });
  const owner = listener.pod;
  if (owner) {
    const own = declaredBy.some((a) => a.namespace === owner.namespace && a.pod === owner.name);
    return own
      ? verdict("declared", "owning-pod-declares-port")
      : verdict("undeclared-host-network", "owning-pod-does-not-declare-port");
  }
  const hasProcess = listener.processes.length > 0;
  // With pod attribution, a process outside every pod is the host's even if a pod declares the port.
  if (tier === "pod" && hasProcess) return verdict("host-service", "process-outside-pods");
  if (declaredBy.length > 0) return verdict("declared", "a-pod-declares-port");
  if (hasProcess) return verdict("host-service", "process-pod-not-looked-up");
  return verdict("unknown", tier === "none" ? "no-attribution" : "no-owning-process");
}

export function classifyNodeListeners<A extends AllocationView>(
  node: { node: string; attribution: AttributionTier; listeners: readonly ObservedListener[] },
  allocations: readonly A[],
): ClassifiedListener<A>[] {
  return node.listeners.map((l) => classifyListener(node.node, node.attribution, l, allocations));
}
