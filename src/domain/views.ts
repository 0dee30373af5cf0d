/**
 * The shapes the planning modules read. They are structural subsets of NodeFact, PodFact and
 * AllocationFact (history.ts), so services pass stored facts in unchanged.
 */
import type { NodeAffinity, Taint, Toleration } from "../contract/snapshot.js";
import type { HostPortRef } from "./ports.js";

export interface NodeView {
  name: string;
  labels: Readonly<Record<string, string>>;
  unschedulable: boolean;
  ready: boolean;
  taints: readonly Taint[];
}

/** What the scheduler's node filters read from a pod spec; every part may be absent in a proposal. */
export interface PlacementRules {
  nodeSelector?: Readonly<Record<string, string>>;
  tolerations?: readonly Toleration[];
  requiredNodeAffinity?: NodeAffinity | null;
}

export interface PodPortView extends HostPortRef {
  container: string;
}

export interface PodView extends PlacementRules {
  namespace: string;
  name: string;
  /** null while unscheduled (pending) */
  node: string | null;
  ownerKind: string | null;
  ownerName: string | null;
  hostNetwork: boolean;
  ports: readonly PodPortView[];
}

export interface AllocationView extends HostPortRef {
  node: string;
  namespace: string;
  pod: string;
  ownerKind: string | null;
  ownerName: string | null;
  container: string;
  hostNetwork: boolean;
}

/**
 * One cluster at one instant: what every per-cluster planning rule reads. Generic in the allocation
 * type so answers can carry the stored rows (ids, since) back as blockers.
 */
export interface ClusterView<A extends AllocationView = AllocationView, P extends PodView = PodView> {
  nodes: readonly NodeView[];
  pods: readonly P[];
  allocations: readonly A[];
}
