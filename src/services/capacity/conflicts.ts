/**
 * conflicts.list starts from the few open unscheduled pods whose scheduler message is the host-port
 * failure (a partial index holds them), pages them by (cluster, namespace, pod), and for the
 * clusters on the page loads only their nodes and the open allocations on those pods' ports, a chunk
 * of clusters at a time: the domain's hostPortConflicts then runs on each cluster's narrow view.
 */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import { arrayLiteral } from "../../db/bulk-insert.js";
import { podTemplateJoin, podWithRules } from "../../db/pod-columns.js";
import { clusters, nodeVersions, podTemplates, podVersions, portAllocations } from "../../db/schema/index.js";
import { hostPortConflicts as conflictsIn, HOST_PORT_FAILURE_PATTERN } from "../../domain/conflicts.js";
import { ownerOf } from "../../domain/workload.js";
import { selectClusters, selectionWhere } from "../cluster-selection.js";
import type { ServiceContext } from "../context.js";
import { clusterListSchema } from "../inputs.js";
import { isStale } from "../staleness.js";
import { blocker, DEFAULT_SAMPLE_SIZE } from "./blockers.js";
import { afterCursor, byteOrdered, encodeCursor } from "./cursor.js";
import { keyCursorSchema, sampleSizeSchema } from "./inputs.js";
import { willCrashOn } from "./will-crash-conflicts.js";

const DEFAULT_CONFLICTS_LIMIT = 100;
export const MAX_CONFLICTS_LIMIT = 1000;

export const conflictsInput = z
  .object({
    clusters: clusterListSchema.optional(),
    limit: z.number().int().min(1).max(MAX_CONFLICTS_LIMIT).optional(),
    /** the last item of the previous page: cluster, namespace, pod */
    cursor: keyCursorSchema(3).optional(),
    sampleSize: sampleSizeSchema.optional(),
  })
  .default({});
export type ConflictsInput = z.output<typeof conflictsInput>;

const order = [clusters.name, podVersions.namespace, podVersions.name];

function pendingOnHostPorts(ctx: ServiceContext, input: ConflictsInput, limit: number) {
  return ctx.db
    .select({
      cluster: {
        id: clusters.id,
        name: clusters.name,
        createdAt: clusters.createdAt,
        lastSeenAt: clusters.lastSeenAt,
      },
      pod: podWithRules,
    })
    .from(podVersions)
    .innerJoin(clusters, eq(clusters.id, podVersions.clusterId))
    .innerJoin(podTemplates, podTemplateJoin)
    .where(
      and(
        selectionWhere({ clusters: input.clusters }),
        isNull(podVersions.validTo),
        isNull(podVersions.node),
        sql`${podVersions.schedulingMessage} ~* ${HOST_PORT_FAILURE_PATTERN}`,
        afterCursor(order, input.cursor),
      ),
    )
    .orderBy(...byteOrdered(order))
    .limit(limit + 1);
}

type PendingRow = Awaited<ReturnType<typeof pendingOnHostPorts>>[number];

/**
 * Clusters whose views are loaded together: a round trip per chunk instead of two per cluster, and
 * memory that follows the chunk's nodes (20 clusters of 500 nodes: 10,000 small rows), not the page's.
 */
const CLUSTERS_PER_LOAD = 20;

const nodeColumns = {
  clusterId: nodeVersions.clusterId,
  name: nodeVersions.name,
  labels: nodeVersions.labels,
  unschedulable: nodeVersions.unschedulable,
  ready: nodeVersions.ready,
  taints: nodeVersions.taints,
};

/** The clusters' nodes and their open allocations on the ports their pending pods want. */
async function narrowViews(ctx: ServiceContext, groups: readonly PendingRow[][]) {
  const ids = groups.flatMap((g) => (g[0] ? [g[0].cluster.id] : []));
  const ports = [...new Set(groups.flat().flatMap((r) => r.pod.ports.map((p) => p.hostPort)))].filter(
    (p) => p > 0,
  );
  const inChunk = (column: typeof nodeVersions.clusterId | typeof portAllocations.clusterId) =>
    sql`${column} = ANY(${arrayLiteral(ids)}::int[])`;
  const [nodes, allocations] = await Promise.all([
    ctx.db
      .select(nodeColumns)
      .from(nodeVersions)
      .where(and(inChunk(nodeVersions.clusterId), isNull(nodeVersions.validTo)))
      .orderBy(asc(sql`${nodeVersions.name} COLLATE "C"`)),
    ports.length === 0
      ? []
      : ctx.db
          .select()
          .from(portAllocations)
          .where(
            and(
              inChunk(portAllocations.clusterId),
              isNull(portAllocations.validTo),
              sql`${portAllocations.hostPort} = ANY(${arrayLiteral(ports)}::int[])`,
            ),
          ),
  ]);
  return groups.map((group) => {
    const id = group[0]?.cluster.id;
    return {
      nodes: nodes.filter((n) => n.clusterId === id),
      pods: group.map((r) => r.pod),
      allocations: allocations
        .filter((a) => a.clusterId === id)
        .map(({ hostIp, ...a }) => ({ ...a, hostIP: hostIp })),
    };
  });
}

export async function hostPortConflicts(ctx: ServiceContext, input: ConflictsInput) {
  // Named clusters must exist (NOT_FOUND otherwise); the whole fleet is only ever joined in SQL.
  const named = input.clusters ? await selectClusters(ctx.db, { clusters: input.clusters }) : null;
  const limit = input.limit ?? DEFAULT_CONFLICTS_LIMIT;
  const size = input.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const rows = await pendingOnHostPorts(ctx, input, limit);
  const page = rows.slice(0, limit);
  const byCluster = new Map<number, PendingRow[]>();
  for (const row of page) {
    const group = byCluster.get(row.cluster.id);
    if (group) group.push(row);
    else byCluster.set(row.cluster.id, [row]);
  }
  const groups = [...byCluster.values()];
  const items = [];
  for (let i = 0; i < groups.length; i += CLUSTERS_PER_LOAD) {
    const chunk = groups.slice(i, i + CLUSTERS_PER_LOAD);
    const views = await narrowViews(ctx, chunk);
    for (const [k, view] of views.entries()) {
      const cluster = chunk[k]?.[0]?.cluster;
      if (!cluster) continue;
      for (const { pod, eligibleNodes, blockedNodes, freeNodes } of conflictsIn(view)) {
        items.push({
          cluster: cluster.name,
          stale: isStale(ctx, cluster),
          namespace: pod.namespace,
          pod: pod.name,
          owner: ownerOf(pod),
          ports: pod.ports.map(({ protocol, hostIP, hostPort }) => ({ protocol, hostIP, hostPort })),
          message: pod.schedulingMessage,
          pendingSince: pod.validFrom.toISOString(),
          eligibleNodes,
          blockedNodes: blockedNodes.length,
          blockedSample: blockedNodes
            .slice(0, size)
            .map((b) => ({ node: b.node, blockers: b.blockers.map(blocker) })),
          /** eligible nodes with no conflicting allocation: the scheduler's message predates a change */
          freeNodes: freeNodes.length,
          freeSample: freeNodes.slice(0, size),
        });
      }
    }
  }
  const last = page.at(-1);
  return {
    items,
    /**
     * On the first page: running hostNetwork pods whose declared port a listener that is not theirs
     * holds on their node (will-crash.ts): they crash-loop with EADDRINUSE rather than stay Pending.
     */
    willCrash: input.cursor ? [] : await willCrashOn(ctx.db, named ? named.map((c) => c.id) : null, limit),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor([last.cluster.name, last.pod.namespace, last.pod.name])
        : null,
  };
}
