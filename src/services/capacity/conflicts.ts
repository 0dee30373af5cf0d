/**
 * conflicts.list starts from the few open unscheduled pods whose scheduler message is the host-port
 * failure (a partial index holds them), pages them by (cluster, namespace, pod), and for each
 * cluster on the page loads only its nodes and the open allocations on those pods' ports: the
 * domain's hostPortConflicts then runs on that narrow view, one cluster at a time.
 */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { arrayLiteral } from "../../db/bulk-insert.js";
import { clusters, nodeVersions, podVersions, portAllocations } from "../../db/schema/index.js";
import { hostPortConflicts as conflictsIn, HOST_PORT_FAILURE_PATTERN } from "../../domain/conflicts.js";
import { ownerOf } from "../../domain/workload.js";
import type { ServiceContext } from "../context.js";
import { isStale, selectClusters, selectionWhere } from "../read-model.js";
import { blocker, DEFAULT_SAMPLE_SIZE } from "./blockers.js";
import { afterCursor, byteOrdered, encodeCursor, type KeyCursor } from "./cursor.js";

export const DEFAULT_CONFLICTS_LIMIT = 100;
export const MAX_CONFLICTS_LIMIT = 1000;

export interface ConflictsInput {
  clusters?: string[] | undefined;
  limit?: number | undefined;
  /** the last item of the previous page: cluster, namespace, pod */
  cursor?: KeyCursor | undefined;
  /** blocked and free nodes listed per item; the rest are counted */
  sampleSize?: number | undefined;
}

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
      pod: podVersions,
    })
    .from(podVersions)
    .innerJoin(clusters, eq(clusters.id, podVersions.clusterId))
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

/** One cluster's nodes and the open allocations on the ports its pending pods want. */
async function narrowView(ctx: ServiceContext, clusterId: number, pods: PendingRow["pod"][]) {
  const ports = [...new Set(pods.flatMap((p) => p.ports.map((port) => port.hostPort)))].filter((p) => p > 0);
  const [nodes, allocations] = await Promise.all([
    ctx.db
      .select()
      .from(nodeVersions)
      .where(and(eq(nodeVersions.clusterId, clusterId), isNull(nodeVersions.validTo)))
      .orderBy(asc(sql`${nodeVersions.name} COLLATE "C"`)),
    ports.length === 0
      ? []
      : ctx.db
          .select()
          .from(portAllocations)
          .where(
            and(
              eq(portAllocations.clusterId, clusterId),
              isNull(portAllocations.validTo),
              sql`${portAllocations.hostPort} = ANY(${arrayLiteral(ports)}::int[])`,
            ),
          ),
  ]);
  return { nodes, pods, allocations: allocations.map(({ hostIp, ...a }) => ({ ...a, hostIP: hostIp })) };
}

export async function hostPortConflicts(ctx: ServiceContext, input: ConflictsInput) {
  // Named clusters must exist (NOT_FOUND otherwise); the whole fleet is only ever joined in SQL.
  if (input.clusters) await selectClusters(ctx.db, { clusters: input.clusters });
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
  const items = [];
  // One cluster's view at a time: memory follows the largest cluster on the page, not the page.
  for (const [clusterId, group] of byCluster) {
    const cluster = group[0]?.cluster;
    if (!cluster) continue;
    const view = await narrowView(
      ctx,
      clusterId,
      group.map((r) => r.pod),
    );
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
  const last = page.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor([last.cluster.name, last.pod.namespace, last.pod.name])
        : null,
  };
}
