import { and, asc, count, countDistinct, eq, gt, inArray, type SQL } from "drizzle-orm";
import type { Protocol } from "../contract/snapshot.js";
import { clusters, nodeVersions, podVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import { buildPortMap } from "../domain/port-map.js";
import { activeCluster, type ClusterRow, isStale, selectClusters, selectedClusterIds } from "./clusters.js";
import type { ServiceContext } from "./context.js";
import { notFound } from "./errors.js";

/** How answers show an owner: {kind, name}, or null for a bare pod. */
export function ownerOf(row: { ownerKind: string | null; ownerName: string | null }) {
  return row.ownerKind && row.ownerName ? { kind: row.ownerKind, name: row.ownerName } : null;
}

const allocationColumns = {
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

function presentAllocation<T extends AllocationRow>({
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

/**
 * A cluster as it was at asOf: a cluster removed since then still answers; one removed before
 * (or, for current queries, at all) is NOT_FOUND.
 */
async function clusterAt(db: Db, name: string, asOf: Date | undefined): Promise<ClusterRow> {
  if (!asOf) return activeCluster(db, name);
  const [row] = await selectClusters(db, { clusters: [name], asOf });
  if (!row) throw notFound(`cluster "${name}"`);
  return row;
}

export interface WhoInput {
  hostPort: number;
  protocol?: Protocol | undefined;
  clusters?: string[] | undefined;
  asOf?: Date | undefined;
  limit: number;
  cursor?: number | undefined;
}

/** Every allocation of one host port across the fleet, a page at a time, with a summary that is cheap at any size. */
export async function whoHoldsPort(ctx: ServiceContext, input: WhoInput) {
  const selection = { clusters: input.clusters, asOf: input.asOf };
  // Named clusters must exist; the fleet itself stays in SQL (a subquery), whatever its size.
  if (input.clusters) await selectClusters(ctx.db, selection);
  const conditions: SQL[] = [
    eq(portAllocations.hostPort, input.hostPort),
    inArray(portAllocations.clusterId, selectedClusterIds(ctx.db, selection)),
    validAt(portAllocations, input.asOf),
  ];
  if (input.protocol) conditions.push(eq(portAllocations.protocol, input.protocol));
  const where = and(...conditions);

  const pageWhere = input.cursor === undefined ? where : and(where, gt(portAllocations.id, input.cursor));
  const rows = await ctx.db
    .select(allocationColumns)
    .from(portAllocations)
    .innerJoin(clusters, eq(clusters.id, portAllocations.clusterId))
    .where(pageWhere)
    .orderBy(asc(portAllocations.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? String(last.id) : null;

  const byCluster = await ctx.db
    .select({
      cluster: clusters.name,
      createdAt: clusters.createdAt,
      lastSeenAt: clusters.lastSeenAt,
      allocations: count(),
      nodes: countDistinct(portAllocations.node),
    })
    .from(portAllocations)
    .innerJoin(clusters, eq(clusters.id, portAllocations.clusterId))
    .where(where)
    .groupBy(clusters.name, clusters.createdAt, clusters.lastSeenAt)
    .orderBy(clusters.name);
  const byWorkload = await ctx.db
    .select({
      namespace: portAllocations.namespace,
      ownerKind: portAllocations.ownerKind,
      ownerName: portAllocations.ownerName,
      allocations: count(),
      clusters: countDistinct(portAllocations.clusterId),
    })
    .from(portAllocations)
    .where(where)
    .groupBy(portAllocations.namespace, portAllocations.ownerKind, portAllocations.ownerName)
    .orderBy(portAllocations.namespace, portAllocations.ownerName);

  return {
    allocations: page.map(presentAllocation),
    nextCursor,
    summary: {
      total: byCluster.reduce((sum, c) => sum + c.allocations, 0),
      byCluster: byCluster.map(({ createdAt, lastSeenAt, ...c }) => ({
        ...c,
        stale: isStale(ctx, { createdAt, lastSeenAt }),
      })),
      byWorkload: byWorkload.map(({ ownerKind, ownerName, ...w }) => ({
        ...w,
        owner: ownerOf({ ownerKind, ownerName }),
      })),
    },
  };
}

/** Nodes and allocations of one cluster as of a time: the input of every per-cluster computation. */
export async function clusterState(db: Db, clusterId: number, asOf: Date | undefined) {
  const [nodes, allocations, pods] = await Promise.all([
    db
      .select()
      .from(nodeVersions)
      .where(and(eq(nodeVersions.clusterId, clusterId), validAt(nodeVersions, asOf)))
      .orderBy(nodeVersions.name),
    db
      .select()
      .from(portAllocations)
      .where(and(eq(portAllocations.clusterId, clusterId), validAt(portAllocations, asOf))),
    db
      .select()
      .from(podVersions)
      .where(and(eq(podVersions.clusterId, clusterId), validAt(podVersions, asOf))),
  ]);
  return {
    nodes,
    pods,
    allocations: allocations.map(({ hostIp, ...a }) => ({ ...a, hostIP: hostIp })),
  };
}

/** hostNetwork pods that declare no ports listen on ports the scheduler cannot see: flag them. */
function undeclaredHostNetworkPods(
  pods: {
    hostNetwork: boolean;
    ports: unknown[];
    namespace: string;
    name: string;
    node: string | null;
    ownerKind: string | null;
    ownerName: string | null;
  }[],
) {
  return pods
    .filter((p) => p.hostNetwork && p.ports.length === 0)
    .map((p) => ({
      namespace: p.namespace,
      pod: p.name,
      node: p.node,
      owner: ownerOf(p),
    }));
}

export async function portMap(ctx: ServiceContext, input: { cluster: string; asOf?: Date | undefined }) {
  const cluster = await clusterAt(ctx.db, input.cluster, input.asOf);
  const state = await clusterState(ctx.db, cluster.id, input.asOf);
  const map = buildPortMap(state.nodes, state.allocations, state.pods);
  return {
    cluster: cluster.name,
    asOf: (input.asOf ?? cluster.lastObservedAt)?.toISOString() ?? null,
    stale: isStale(ctx, cluster),
    nodes: state.nodes.length,
    schedulableNodes: map.schedulableNodes,
    ports: map.rows.map((row) => ({ ...row, freeCount: row.freeNodes.length })),
    undeclaredHostNetworkPods: undeclaredHostNetworkPods(state.pods),
  };
}

export async function nodePorts(
  ctx: ServiceContext,
  input: { cluster: string; node: string; asOf?: Date | undefined },
) {
  const cluster = await clusterAt(ctx.db, input.cluster, input.asOf);
  const [node] = await ctx.db
    .select()
    .from(nodeVersions)
    .where(
      and(
        eq(nodeVersions.clusterId, cluster.id),
        eq(nodeVersions.name, input.node),
        validAt(nodeVersions, input.asOf),
      ),
    );
  if (!node)
    throw notFound(
      `node "${input.node}" in cluster "${cluster.name}"${input.asOf ? ` at ${input.asOf.toISOString()}` : ""}`,
    );
  const baseWhere = and(eq(portAllocations.clusterId, cluster.id), eq(portAllocations.node, input.node));
  const allocations = await ctx.db
    .select(allocationColumns)
    .from(portAllocations)
    .innerJoin(clusters, eq(clusters.id, portAllocations.clusterId))
    .where(and(baseWhere, validAt(portAllocations, input.asOf)))
    .orderBy(portAllocations.hostPort, portAllocations.protocol, portAllocations.hostIp);
  const pods = await ctx.db
    .select()
    .from(podVersions)
    .where(
      and(
        eq(podVersions.clusterId, cluster.id),
        eq(podVersions.node, input.node),
        validAt(podVersions, input.asOf),
      ),
    );
  return {
    cluster: cluster.name,
    node: {
      name: node.name,
      labels: node.labels,
      ready: node.ready,
      unschedulable: node.unschedulable,
      taints: node.taints,
      addresses: node.addresses,
      since: node.validFrom.toISOString(),
    },
    allocations: allocations.map(presentAllocation),
    undeclaredHostNetworkPods: undeclaredHostNetworkPods(pods),
  };
}
