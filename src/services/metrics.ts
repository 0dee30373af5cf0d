import { and, count, eq, isNull, sql } from "drizzle-orm";
import { clusters, headroomVersions, podVersions, snapshots } from "../db/schema/index.js";
import { validAt } from "../db/validity.js";
import { HOST_PORT_FAILURE_PATTERN } from "../domain/conflicts.js";
import { nextRollout } from "../domain/rollout.js";
import { listingMember, portsText } from "../domain/shared-port-sets.js";
import { workloadKey } from "../domain/workload.js";
import { selectionWhere } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";
import { clockSkewSeconds, isStale } from "./staleness.js";

/** Everything /metrics exposes, read from figures kept at ingest: cost grows with clusters, not with pods. */
export async function fleetMetrics(ctx: ServiceContext) {
  const rows = await ctx.db
    .select({
      id: clusters.id,
      name: clusters.name,
      createdAt: clusters.createdAt,
      lastSeenAt: clusters.lastSeenAt,
      lastObservedAt: clusters.lastObservedAt,
      snapshotsAccepted: clusters.snapshotsAccepted,
      snapshotsChanged: clusters.snapshotsChanged,
      portSummary: clusters.portSummary,
      observedNodes: clusters.observedNodes,
      undeclaredListeners: clusters.undeclaredListeners,
      observedAt: snapshots.observedAt,
      receivedAt: snapshots.receivedAt,
    })
    .from(clusters)
    .leftJoin(snapshots, eq(snapshots.id, clusters.lastSnapshotId))
    .where(selectionWhere({}))
    .orderBy(clusters.name);
  const headroom = await ctx.db
    .select({
      cluster: clusters.name,
      namespace: headroomVersions.namespace,
      kind: headroomVersions.kind,
      name: headroomVersions.name,
      replicas: headroomVersions.replicas,
      eligibleNodes: headroomVersions.eligibleNodes,
      freeNodes: headroomVersions.freeNodes,
      headroom: headroomVersions.headroom,
      pending: headroomVersions.pending,
      maxReplicasKeepingOneSpare: headroomVersions.maxReplicas,
      sharedPortSets: headroomVersions.sharedPortSets,
      partOf: headroomVersions.partOf,
    })
    .from(headroomVersions)
    .innerJoin(clusters, eq(clusters.id, headroomVersions.clusterId))
    .where(and(validAt(headroomVersions, undefined), selectionWhere({})))
    .orderBy(clusters.name, headroomVersions.namespace, headroomVersions.name);
  // conflicts.list's starting rows (the open unscheduled pods' partial index), counted per cluster.
  const pending = await ctx.db
    .select({ clusterId: podVersions.clusterId, pods: count() })
    .from(podVersions)
    .where(
      and(
        isNull(podVersions.validTo),
        isNull(podVersions.node),
        sql`${podVersions.schedulingMessage} ~* ${HOST_PORT_FAILURE_PATTERN}`,
      ),
    )
    .groupBy(podVersions.clusterId);
  const pendingByCluster = new Map(pending.map((p) => [p.clusterId, Number(p.pods)]));
  return {
    staleAfterSeconds: ctx.config.staleAfterSeconds,
    clusters: rows.map(({ observedAt, receivedAt, createdAt, ...r }) => ({
      ...r,
      pendingOnHostPorts: pendingByCluster.get(r.id) ?? 0,
      stale: isStale(ctx, { createdAt, lastSeenAt: r.lastSeenAt }),
      clockSkewSeconds: clockSkewSeconds(observedAt, receivedAt),
    })),
    // A router Deployment whose IngressController has a row is that row's shortage: one series, one alert.
    headroom: headroom
      .filter((w) => w.partOf === null)
      .map(({ sharedPortSets, partOf, ...w }) => {
        const { outcome } = nextRollout(w);
        return {
          ...w,
          // 1 or 0 where a rollout is judged; null where nothing rolls the workload (no series)
          rolloutCompletes: outcome === "completes" ? 1 : outcome === "stalls" ? 0 : null,
          inSharedPortSet: (sharedPortSets ?? []).length > 0,
        };
      }),
    sharedPortSets: sharedPortSetFigures(headroom),
  };
}

/**
 * Each shared port set once (from its first member's row), with the lowest headroom among its
 * members: the one alert for the set carries the severity its worst member would have had.
 */
function sharedPortSetFigures(
  rows: readonly {
    cluster: string;
    namespace: string;
    kind: string;
    name: string;
    headroom: number;
    partOf: unknown;
    sharedPortSets:
      | {
          workloads: { namespace: string; kind: string; name: string }[];
          ports: Parameters<typeof portsText>[0];
          nodes: number;
        }[]
      | null;
  }[],
) {
  const headroomOf = new Map(rows.map((r) => [`${r.cluster}\u0000${workloadKey(r)}`, r.headroom]));
  return rows.flatMap((row) =>
    row.partOf !== null
      ? []
      : (row.sharedPortSets ?? [])
          .filter((set) => {
            const lister = listingMember(set);
            return lister !== undefined && workloadKey(lister) === workloadKey(row);
          })
          .map((set) => ({
            cluster: row.cluster,
            workloads: set.workloads.map(workloadKey).join(","),
            ports: portsText(set.ports),
            nodes: set.nodes,
            headroom: Math.min(
              ...set.workloads.map(
                (w) => headroomOf.get(`${row.cluster}\u0000${workloadKey(w)}`) ?? row.headroom,
              ),
            ),
          })),
  );
}
