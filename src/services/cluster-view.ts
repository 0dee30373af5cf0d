/**
 * One cluster's state at an instant (its nodes, pods and allocations), as the per-cluster planning
 * questions hand it to the domain (views.ts). Fleet questions never load a view per cluster.
 */
import { and, eq } from "drizzle-orm";
import { podTemplateJoin, podWithRules } from "../db/pod-columns.js";
import { nodeVersions, podTemplates, podVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import type { ClusterView } from "../domain/views.js";
import type { ClusterRow } from "./cluster-selection.js";

/** The instant a view of the cluster shows: asOf, or for "now" its latest accepted observation. */
export function viewInstant(cluster: Pick<ClusterRow, "lastObservedAt">, asOf: Date | undefined) {
  return (asOf ?? cluster.lastObservedAt)?.toISOString() ?? null;
}

/** A cluster's nodes (by name), pods and allocations valid at asOf (now when omitted). */
export async function loadClusterView(db: Db, at: { cluster: ClusterRow; asOf?: Date | undefined }) {
  const id = at.cluster.id;
  const [nodes, allocations, pods] = await Promise.all([
    db
      .select()
      .from(nodeVersions)
      .where(and(eq(nodeVersions.clusterId, id), validAt(nodeVersions, at.asOf)))
      .orderBy(nodeVersions.name),
    db
      .select()
      .from(portAllocations)
      .where(and(eq(portAllocations.clusterId, id), validAt(portAllocations, at.asOf))),
    db
      .select(podWithRules)
      .from(podVersions)
      .innerJoin(podTemplates, podTemplateJoin)
      .where(and(eq(podVersions.clusterId, id), validAt(podVersions, at.asOf))),
  ]);
  const view = {
    cluster: at.cluster,
    nodes,
    pods,
    allocations: allocations.map(({ hostIp, ...a }) => ({ ...a, hostIP: hostIp })),
  };
  return view satisfies ClusterView & { cluster: ClusterRow };
}

export type StoredClusterView = Awaited<ReturnType<typeof loadClusterView>>;
export type StoredAllocation = StoredClusterView["allocations"][number];
export type StoredPod = StoredClusterView["pods"][number];
