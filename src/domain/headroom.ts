/**
 * Headroom per workload: on how many more nodes one more replica could start. Host-port workloads
 * run at most one replica per node, so a rollout with maxSurge 0 or a failed node needs a free node
 * (workloads.md); "max replicas keeping one spare" is the "replicas ≤ nodes − 1" rule.
 */
import { runSteps, STEP_CHUNK, type Steps } from "../contract/steps.js";
import { nodeEligibility } from "./eligibility.js";
import {
  type HeadroomListenerFact,
  type ListenerBlockExample,
  type ListenerHolds,
  listenerBlockExample,
  listenerHoldsSteps,
} from "./headroom-listeners.js";
import { indexByPort, portKey } from "./held-ports.js";
import type { ListenerBlock } from "./listener-fit.js";
import { type HostPortRef, hostPortsConflict, normaliseHostPort } from "./ports.js";
import type { AllocationView, ClusterView, PlacementRules, PodView } from "./views.js";
import { isBlockerOnly, type WorkloadRef, workloadKey, workloadOf, workloadOfPod } from "./workload.js";

/** localeCompare's order (ECMA-402 defines it as this collator's), without its per-call setup. */
const byName = new Intl.Collator().compare;

export type HeadroomStatus = "none" | "low" | "ok";

export const headroomStatus = (headroom: number): HeadroomStatus =>
  headroom <= 0 ? "none" : headroom === 1 ? "low" : "ok";

export interface WorkloadHeadroom extends WorkloadRef {
  /** pods of the workload, pending ones included */
  replicas: number;
  pending: number;
  /** union of its pods' declared host ports */
  ports: HostPortRef[];
  eligibleNodes: string[];
  /** eligible, holding none of its pods, and no other workload's allocation or observed listener in the way */
  freeNodes: string[];
  headroom: number;
  status: HeadroomStatus;
  maxReplicasKeepingOneSpare: number;
  /**
   * eligible nodes no allocation blocks where an observed listener no pod there declares is in the
   * way of one of its ports (headroom-listeners.ts): neither free nor counted in max replicas
   */
  listenerBlockedNodes: string[];
  /** the first of them, its first blocked port and the listener in the way; null when none */
  listenerExample: ListenerBlockExample | null;
}

/** A cluster as headroom reads it: the view, and the listeners its observed nodes reported. */
export type HeadroomCluster = ClusterView & { nodeListeners?: readonly HeadroomListenerFact[] };

function uniquePorts(pods: readonly PodView[]): HostPortRef[] {
  const ports = new Map<string, HostPortRef>();
  for (const pod of pods) {
    for (const port of pod.ports) {
      if (port.hostPort <= 0) continue;
      const { protocol, hostIP, hostPort } = normaliseHostPort(port);
      ports.set(`${protocol}/${hostIP}/${hostPort}`, { protocol, hostIP, hostPort });
    }
  }
  return [...ports.values()].sort(
    (a, b) => a.hostPort - b.hostPort || byName(a.protocol, b.protocol) || byName(a.hostIP, b.hostIP),
  );
}

/**
 * One row per workload with declared host ports, except DaemonSets and static pods (they block
 * others but do not scale by replicas). hostNetwork workloads that declare no ports get no row:
 * the scheduler sees nothing that would keep two of their replicas apart.
 */
export const workloadHeadroom = (
  cluster: HeadroomCluster,
  /** more holds, e.g. IngressControllers' declared ports (domain/ingress-controllers.ts) */
  declared: readonly AllocationView[] = [],
): WorkloadHeadroom[] => runSteps(workloadHeadroomSteps(cluster, declared));

/** workloadHeadroom, stopping between chunks of pods, nodes and ports (contract/steps.ts). */
export function* workloadHeadroomSteps(
  { nodes, pods, allocations, nodeListeners = [] }: HeadroomCluster,
  declared: readonly AllocationView[] = [],
  /** the listeners' index when the caller built it already (listenerHoldsSteps over nodeListeners) */
  built?: ListenerHolds | null,
): Steps<WorkloadHeadroom[]> {
  const holders = indexByPort(declared.length > 0 ? [...allocations, ...declared] : allocations);
  const listened = built !== undefined ? built : yield* listenerHoldsSteps(nodeListeners, allocations);
  // Many workloads share one nodeSelector and toleration set: judge each distinct set once (the
  // key is only a cache key; two spellings of the same rules merely cost a second evaluation).
  const eligibleByRules = new Map<string, { names: string[]; set: ReadonlySet<string> }>();
  const eligibleFor = function* ({ nodeSelector, tolerations, requiredNodeAffinity }: PlacementRules) {
    const key = JSON.stringify({ nodeSelector, tolerations, requiredNodeAffinity });
    let eligible = eligibleByRules.get(key);
    if (!eligible) {
      const rules = { nodeSelector, tolerations, requiredNodeAffinity };
      const names: string[] = [];
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i] as ClusterView["nodes"][number];
        if (nodeEligibility(node, rules).eligible) names.push(node.name);
        if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
      }
      names.sort(byName);
      eligible = { names, set: new Set(names) };
      eligibleByRules.set(key, eligible);
    }
    return eligible;
  };
  const groups = new Map<string, { workload: WorkloadRef; pods: PodView[] }>();
  let sinceStop = 0;
  for (const pod of pods) {
    if (++sinceStop >= STEP_CHUNK) {
      sinceStop = 0;
      yield;
    }
    const workload = workloadOfPod(pod);
    if (isBlockerOnly(workload)) continue;
    const key = workloadKey(workload);
    const group = groups.get(key);
    if (group) group.pods.push(pod);
    else groups.set(key, { workload, pods: [pod] });
  }

  const rows: WorkloadHeadroom[] = [];
  for (const [key, { workload, pods: members }] of groups) {
    sinceStop += 1 + members.length;
    if (sinceStop >= STEP_CHUNK) {
      sinceStop = 0;
      yield;
    }
    const ports = uniquePorts(members);
    if (ports.length === 0) continue;
    // Replicas share one template; during a rollout they may not, and the lowest-named pod decides.
    members.sort((a, b) => byName(a.name, b.name));
    const eligible = yield* eligibleFor(members[0] ?? {});
    const eligibleNodes = eligible.names;
    const occupied = new Set(members.map((p) => p.node));
    // Nodes where another workload holds a conflicting port; its own replicas do not count here.
    const blocked = new Set<string>();
    for (const port of ports) {
      const holding = holders.get(portKey(port)) ?? [];
      sinceStop += holding.length;
      if (sinceStop >= STEP_CHUNK) {
        sinceStop = 0;
        yield;
      }
      for (const a of holding) {
        if (!blocked.has(a.node) && hostPortsConflict(port, a) && workloadKey(workloadOf(a)) !== key) {
          blocked.add(a.node);
        }
      }
    }
    // Observed listeners in the way, on the nodes no allocation blocks; the lowest-named pod says
    // whether its ports are sockets (hostNetwork) or CNI mappings.
    const byListener =
      listened?.blockedNodes(
        ports,
        members[0]?.hostNetwork === true,
        (node) => eligible.set.has(node) && !blocked.has(node),
      ) ?? new Map<string, ListenerBlock>();
    sinceStop += eligibleNodes.length + byListener.size;
    const freeNodes: string[] = [];
    const listenerBlockedNodes: string[] = [];
    let placeable = 0;
    for (const node of eligibleNodes) {
      if (blocked.has(node)) continue;
      if (byListener.has(node)) {
        listenerBlockedNodes.push(node);
        continue;
      }
      placeable++;
      if (!occupied.has(node)) freeNodes.push(node);
    }
    const firstBlocked = listenerBlockedNodes[0];
    const firstBlock = firstBlocked === undefined ? undefined : byListener.get(firstBlocked);
    rows.push({
      ...workload,
      replicas: members.length,
      pending: members.filter((p) => p.node === null).length,
      ports,
      eligibleNodes: [...eligibleNodes],
      freeNodes,
      headroom: freeNodes.length,
      status: headroomStatus(freeNodes.length),
      maxReplicasKeepingOneSpare: Math.max(0, placeable - 1),
      listenerBlockedNodes,
      listenerExample:
        firstBlocked !== undefined && firstBlock ? listenerBlockExample(firstBlocked, firstBlock) : null,
    });
  }
  return rows.sort((a, b) => byName(workloadKey(a), workloadKey(b)));
}
