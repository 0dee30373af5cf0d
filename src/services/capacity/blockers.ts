/** How planning answers show an allocation in the way, and how they bound lists of nodes. */
import { ownerOf } from "../../domain/workload.js";
import type { StoredAllocation } from "../cluster-view.js";

type BlockingAllocation = Pick<
  StoredAllocation,
  "node" | "namespace" | "pod" | "ownerKind" | "ownerName" | "container" | "protocol" | "hostIP" | "hostPort"
> & {
  validFrom: Date;
  /** declared by an IngressController (the owner) on a node it selects, no pod holding it yet */
  declared?: boolean;
};

export const blocker = (a: BlockingAllocation) => ({
  node: a.node,
  namespace: a.namespace,
  pod: a.pod,
  owner: ownerOf(a),
  container: a.container,
  protocol: a.protocol,
  hostIP: a.hostIP,
  hostPort: a.hostPort,
  since: a.validFrom.toISOString(),
  declared: a.declared ?? false,
});

/** Blocked nodes an answer lists with their blockers by default; the rest are counted. */
export const DEFAULT_SAMPLE_SIZE = 20;
export const MAX_SAMPLE_SIZE = 200;
