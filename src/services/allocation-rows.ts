/**
 * An allocation as ports.who and ports.node answer it: the columns their pages read (with the
 * cluster's name) and how a row is presented (its owner, since and until as instants).
 */
import { clusters, portAllocations } from "../db/schema/index.js";
import { ownerOf } from "../domain/workload.js";

/** An allocation as answers present it (before presentAllocation), with the cluster's name. */
export const allocationColumns = {
  id: portAllocations.id,
  cluster: clusters.name,
  node: portAllocations.node,
  namespace: portAllocations.namespace,
  pod: portAllocations.pod,
  ownerKind: portAllocations.ownerKind,
  ownerName: portAllocations.ownerName,
  container: portAllocations.container,
  containerPort: portAllocations.containerPort,
  protocol: portAllocations.protocol,
  hostIP: portAllocations.hostIp,
  hostPort: portAllocations.hostPort,
  hostNetwork: portAllocations.hostNetwork,
  validFrom: portAllocations.validFrom,
  validTo: portAllocations.validTo,
};

interface AllocationRow {
  id: number;
  ownerKind: string | null;
  ownerName: string | null;
  validFrom: Date;
  validTo: Date | null;
}

export function presentAllocation<T extends AllocationRow>({
  id: _id,
  ownerKind,
  ownerName,
  validFrom,
  validTo,
  ...rest
}: T) {
  return {
    ...rest,
    owner: ownerOf({ ownerKind, ownerName }),
    since: validFrom.toISOString(),
    until: validTo?.toISOString() ?? null,
  };
}
