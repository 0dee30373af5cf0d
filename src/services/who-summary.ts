/**
 * ports.who's summary, from the count projections written at ingest (port_count_versions,
 * cluster_port_count_versions), never the holder rows: the first page carries it.
 */
import { sql } from "drizzle-orm";
import { rawRows } from "../db/raw.js";
import { clusterPortCountVersions, clusters, portCountVersions } from "../db/schema/index.js";
import { validAt } from "../db/validity.js";
import { ANY_PROTOCOL } from "../domain/port-counts.js";
import { ownerOf } from "../domain/workload.js";
import type { ServiceContext } from "./context.js";
import { isStale } from "./staleness.js";
import { inSelection, type WhoQuestion } from "./who-page.js";

interface ClusterSummaryRow {
  cluster: string;
  lastSeenMs: number | null;
  createdMs: number;
  allocations: number;
  nodes: number;
}

interface WorkloadSummaryRow {
  namespace: string;
  ownerKind: string | null;
  ownerName: string | null;
  allocations: number;
  clusters: number;
}

/**
 * The summary from the count projections written at ingest: one cluster_port_count_versions row per
 * cluster, and the port_count_versions rows of each workload, valid at asOf (open when omitted) at
 * the port's level ('' for any protocol). A few rows per cluster, however many nodes hold the port.
 */
export async function whoSummary(ctx: ServiceContext, input: WhoQuestion) {
  const level = { hostPort: input.hostPort, protocol: input.protocol ?? ANY_PROTOCOL };
  const cp = clusterPortCountVersions;
  const w = portCountVersions;
  // Bare pods are workloads of kind "Pod" in the projection; the summary shows them per namespace
  // with no owner, as it always has.
  const bare = sql`${w.kind} = 'Pod'`;
  const [byCluster, byWorkload] = await Promise.all([
    rawRows<ClusterSummaryRow>(
      ctx.db,
      sql`SELECT ${clusters.name} AS cluster,
                 (extract(epoch FROM ${clusters.lastSeenAt}) * 1000)::float8 AS "lastSeenMs",
                 (extract(epoch FROM ${clusters.createdAt}) * 1000)::float8 AS "createdMs",
                 ${cp.allocations} AS allocations, ${cp.nodes} AS nodes
          FROM ${cp} JOIN ${clusters} ON ${clusters.id} = ${cp.clusterId}
          WHERE ${cp.hostPort} = ${level.hostPort} AND ${cp.protocol} = ${level.protocol}
            AND ${validAt(cp, input.asOf)} AND ${inSelection(ctx, input, cp.clusterId)}
          ORDER BY ${clusters.name}`,
    ),
    rawRows<WorkloadSummaryRow>(
      ctx.db,
      sql`SELECT namespace, owner_kind AS "ownerKind", owner_name AS "ownerName", sum(allocations)::int AS allocations,
                 count(DISTINCT cluster_id)::int AS clusters
          FROM (SELECT ${w.namespace} AS namespace,
                       CASE WHEN ${bare} THEN NULL ELSE ${w.kind} END AS owner_kind,
                       CASE WHEN ${bare} THEN NULL ELSE ${w.name} END AS owner_name,
                       ${w.allocations} AS allocations, ${w.clusterId} AS cluster_id
                FROM ${w}
                WHERE ${w.hostPort} = ${level.hostPort} AND ${w.protocol} = ${level.protocol}
                  AND ${validAt(w, input.asOf)} AND ${inSelection(ctx, input, w.clusterId)}) held
          GROUP BY namespace, owner_kind, owner_name
          ORDER BY namespace, owner_name, owner_kind`,
    ),
  ]);
  const perCluster = byCluster.map((r) => ({
    cluster: r.cluster,
    allocations: r.allocations,
    nodes: r.nodes,
    stale: isStale(ctx, {
      createdAt: new Date(r.createdMs),
      lastSeenAt: r.lastSeenMs === null ? null : new Date(r.lastSeenMs),
    }),
  }));
  return {
    total: perCluster.reduce((sum, c) => sum + c.allocations, 0),
    byCluster: perCluster,
    byWorkload: byWorkload.map((r) => ({
      namespace: r.namespace,
      allocations: r.allocations,
      clusters: r.clusters,
      owner: ownerOf(r),
    })),
  };
}
