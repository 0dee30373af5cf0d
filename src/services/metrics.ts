import { and, count, eq, isNull, sql } from "drizzle-orm";
import { clusters, headroomVersions, podVersions, snapshots } from "../db/schema/index.js";
import { validAt } from "../db/validity.js";
import { HOST_PORT_FAILURE_PATTERN } from "../domain/conflicts.js";
import { nextRollout } from "../domain/rollout.js";
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
    headroom: headroom.map((w) => {
      const { outcome } = nextRollout(w);
      // 1 or 0 where a rollout is judged; null where nothing rolls the workload (no series)
      return { ...w, rolloutCompletes: outcome === "completes" ? 1 : outcome === "stalls" ? 0 : null };
    }),
  };
}
