import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import {
  clusterPortCountVersions,
  clusters,
  nodeVersions,
  podVersions,
  portAllocations,
  portCountVersions,
} from "../db/schema/index.js";
import { validAt } from "../db/validity.js";
import { ANY_PROTOCOL } from "../domain/port-counts.js";
import { boundedPortMap, buildPortMap, NODE_NAME_SAMPLE } from "../domain/port-map.js";
import { ownerOf } from "../domain/workload.js";
import type { ServiceContext } from "./context.js";
import { notFound } from "./errors.js";
import {
  clusterListSchema,
  hostIpSchema,
  hostPortSchema,
  instantSchema,
  nodeNameSchema,
  pageLimitSchema,
  queryProtocolSchema,
} from "./inputs.js";
import {
  findCluster,
  isStale,
  loadPortMapFacts,
  selectClusters,
  selectedClusterIds,
  viewInstant,
} from "./read-model.js";
import { whoCursorSchema, whoPage } from "./who-page.js";

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

export const whoInput = z.object({
  hostPort: hostPortSchema,
  protocol: queryProtocolSchema.optional(),
  clusters: clusterListSchema.optional(),
  asOf: instantSchema.optional(),
  limit: pageLimitSchema,
  cursor: whoCursorSchema.optional(),
});
export type WhoInput = z.output<typeof whoInput>;

/** The clusters a who question covers, as a subquery (the fleet stays in SQL whatever its size). */
function inSelection(ctx: ServiceContext, input: WhoInput, column: PgColumn): SQL {
  return inArray(column, selectedClusterIds(ctx.db, { clusters: input.clusters, asOf: input.asOf }));
}

/** The rows one who question selects, at any instant: port, protocol, clusters. */
function whoWhere(ctx: ServiceContext, input: WhoInput): SQL {
  const conditions: SQL[] = [
    eq(portAllocations.hostPort, input.hostPort),
    inSelection(ctx, input, portAllocations.clusterId),
  ];
  if (input.protocol) conditions.push(eq(portAllocations.protocol, input.protocol));
  return and(...conditions) as SQL;
}

interface ClusterSummaryRow {
  cluster: string;
  last_seen_ms: number | null;
  created_ms: number;
  allocations: number;
  nodes: number;
}

interface WorkloadSummaryRow {
  namespace: string;
  owner_kind: string | null;
  owner_name: string | null;
  allocations: number;
  clusters: number;
}

/**
 * The summary from the count projections written at ingest: one cluster_port_count_versions row per
 * cluster, and the port_count_versions rows of each workload, valid at asOf (open when omitted) at
 * the port's level ('' for any protocol). A few rows per cluster, however many nodes hold the port.
 */
async function whoSummary(ctx: ServiceContext, input: WhoInput) {
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
                 (extract(epoch FROM ${clusters.lastSeenAt}) * 1000)::float8 AS last_seen_ms,
                 (extract(epoch FROM ${clusters.createdAt}) * 1000)::float8 AS created_ms,
                 ${cp.allocations} AS allocations, ${cp.nodes} AS nodes
          FROM ${cp} JOIN ${clusters} ON ${clusters.id} = ${cp.clusterId}
          WHERE ${cp.hostPort} = ${level.hostPort} AND ${cp.protocol} = ${level.protocol}
            AND ${validAt(cp, input.asOf)} AND ${inSelection(ctx, input, cp.clusterId)}
          ORDER BY ${clusters.name}`,
    ),
    rawRows<WorkloadSummaryRow>(
      ctx.db,
      sql`SELECT namespace, owner_kind, owner_name, sum(allocations)::int AS allocations,
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
      createdAt: new Date(r.created_ms),
      lastSeenAt: r.last_seen_ms === null ? null : new Date(r.last_seen_ms),
    }),
  }));
  return {
    total: perCluster.reduce((sum, c) => sum + c.allocations, 0),
    byCluster: perCluster,
    byWorkload: byWorkload.map((r) => ({
      namespace: r.namespace,
      allocations: r.allocations,
      clusters: r.clusters,
      owner: ownerOf({ ownerKind: r.owner_kind, ownerName: r.owner_name }),
    })),
  };
}

/**
 * Every allocation of one host port across the fleet, a page at a time; the first page (no cursor)
 * also carries the summary, read from the count projections (later pages: null).
 */
export async function whoHoldsPort(ctx: ServiceContext, input: WhoInput) {
  // Named clusters must exist; the fleet itself stays in SQL (a subquery), whatever its size.
  if (input.clusters) await selectClusters(ctx.db, { clusters: input.clusters, asOf: input.asOf });
  const [rows, summary] = await Promise.all([
    whoPage(ctx, whoWhere(ctx, input), input.asOf, input.cursor, input.limit + 1),
    input.cursor === undefined ? whoSummary(ctx, input) : null,
  ]);
  const pageRows = rows.slice(0, input.limit);
  const order = new Map(pageRows.map((r, i) => [r.id, i]));
  const page =
    pageRows.length === 0
      ? []
      : await ctx.db
          .select(allocationColumns)
          .from(portAllocations)
          .innerJoin(clusters, eq(clusters.id, portAllocations.clusterId))
          .where(inArray(portAllocations.id, [...order.keys()]));
  page.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const last = pageRows[pageRows.length - 1];
  return {
    allocations: page.map(presentAllocation),
    nextCursor: rows.length > input.limit && last !== undefined ? last.cursor : null,
    summary,
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
  return pods.filter((p) => p.hostNetwork && p.ports.length === 0).map(presentUndeclared);
}

function presentUndeclared(p: {
  namespace: string;
  name: string;
  node: string | null;
  ownerKind: string | null;
  ownerName: string | null;
}) {
  return { namespace: p.namespace, pod: p.name, node: p.node, owner: ownerOf(p) };
}

export const portMapInput = z.object({ cluster: clusterNameSchema, asOf: instantSchema.optional() });

/**
 * The cluster's port map, its size independent of the cluster's: per port exact counts and at most
 * NODE_NAME_SAMPLE names per list; likewise the undeclared hostNetwork pods.
 */
export async function portMap(ctx: ServiceContext, input: z.output<typeof portMapInput>) {
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  // The undeclared pods come sorted, so the names an answer lists are the first ones on every call.
  const facts = await loadPortMapFacts(ctx.db, { cluster, asOf: input.asOf }, NODE_NAME_SAMPLE);
  const { undeclared } = facts;
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    stale: isStale(ctx, cluster),
    nodes: facts.nodes.length,
    ...boundedPortMap(facts),
    undeclaredHostNetworkPodCount: undeclared.count,
    undeclaredHostNetworkPods: undeclared.pods.map(presentUndeclared),
  };
}

export const freeNodesInput = z.object({
  cluster: clusterNameSchema,
  hostPort: hostPortSchema,
  protocol: queryProtocolSchema.default("TCP"),
  hostIP: hostIpSchema.default("0.0.0.0"),
  asOf: instantSchema.optional(),
  limit: pageLimitSchema,
  /** the last node name of the previous page */
  cursor: nodeNameSchema.optional(),
});

/** Every free node of one port-map row, a page at a time by name: the rest of a row's `freeNodes`. */
export async function freeNodes(ctx: ServiceContext, input: z.output<typeof freeNodesInput>) {
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  const row = buildPortMap(await loadPortMapFacts(ctx.db, { cluster, asOf: input.asOf }, 0)).rows.find(
    (r) => r.protocol === input.protocol && r.hostPort === input.hostPort && r.hostIP === input.hostIP,
  );
  if (!row) {
    throw notFound(
      `a holder of ${input.hostPort}/${input.protocol} on ${input.hostIP} in cluster "${cluster.name}"`,
    );
  }
  // Code-point order, the order `>` compares the cursor in (the map's lists sort by locale).
  const ordered = [...row.freeNodes].sort();
  const after = input.cursor;
  const rest = after === undefined ? ordered : ordered.filter((name) => name > after);
  const page = rest.slice(0, input.limit);
  return {
    cluster: cluster.name,
    freeCount: row.freeNodes.length,
    nodes: page,
    nextCursor: rest.length > input.limit ? (page[page.length - 1] ?? null) : null,
  };
}

export const nodePortsInput = z.object({
  cluster: clusterNameSchema,
  node: nodeNameSchema,
  asOf: instantSchema.optional(),
});

export async function nodePorts(ctx: ServiceContext, input: z.output<typeof nodePortsInput>) {
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
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
