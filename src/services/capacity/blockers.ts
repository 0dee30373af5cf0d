/** How planning answers show an allocation in the way, and how they bound lists of nodes. */
import { ownerOf } from "../../domain/workload.js";
import type { StoredAllocation } from "../read-model.js";

export type BlockerRow = Pick<
  StoredAllocation,
  "node" | "namespace" | "pod" | "ownerKind" | "ownerName" | "container" | "protocol" | "hostIP" | "hostPort"
> & { validFrom: Date };

export const blocker = (a: BlockerRow) => ({
  node: a.node,
  namespace: a.namespace,
  pod: a.pod,
  owner: ownerOf(a),
  container: a.container,
  protocol: a.protocol,
  hostIP: a.hostIP,
  hostPort: a.hostPort,
  since: a.validFrom.toISOString(),
});

/** Blocked nodes an answer lists with their blockers by default; the rest are counted. */
export const DEFAULT_SAMPLE_SIZE = 20;
export const MAX_SAMPLE_SIZE = 200;

/** Node names in byte order (COLLATE "C"): the order SQL samples them in, so both paths agree. */
export const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
