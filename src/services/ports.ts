import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { clusterNameSchema, protocols } from "../contract/snapshot.js";
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
import { boundedPortMapPage, buildPortMap, NODE_NAME_SAMPLE } from "../domain/port-map.js";
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
import { portMapLimitSchema, portMapPage, rowCursorSchema } from "./port-map-page.js";
import {
  declaresNoPorts,
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
    /** the instant answered (null: each cluster's latest state) */
    asOf: input.asOf?.toISOString() ?? null,
    allocations: page.map(presentAllocation),
    nextCursor: rows.length > input.limit && last !== undefined ? last.cursor : null,
    summary,
  };
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

export const portMapInput = z
  .object({
    cluster: clusterNameSchema,
    asOf: instantSchema.optional(),
    /** rows (port, protocol, host IP) per page */
    limit: portMapLimitSchema,
    /** the nextCursor of the previous page */
    cursor: rowCursorSchema.optional(),
    /** the prevCursor of the previous page: the page before it */
    before: rowCursorSchema.optional(),
  })
  .refine((input) => input.cursor === undefined || input.before === undefined, {
    message: "cursor and before are exclusive: one page follows, the other precedes",
    path: ["before"],
  });

/**
 * A page of the cluster's port map, its size independent of the cluster's: at most `limit` rows,
 * each with exact counts and at most NODE_NAME_SAMPLE names per list (WORKLOAD_SAMPLE workloads);
 * likewise the undeclared hostNetwork pods. `totalPorts` counts the whole map's rows, and the
 * cursors lead to the pages after and before this one.
 */
export async function portMap(ctx: ServiceContext, input: z.output<typeof portMapInput>) {
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  const page = await portMapPage(
    ctx.db,
    { clusterId: cluster.id, asOf: input.asOf },
    { after: input.cursor, before: input.before, limit: input.limit },
  );
  // The undeclared pods come sorted, so the names an answer lists are the first ones on every call.
  const facts = await loadPortMapFacts(
    ctx.db,
    { cluster, asOf: input.asOf },
    NODE_NAME_SAMPLE,
    page.keys.map((k) => k.hostPort),
  );
  const { undeclared } = facts;
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    stale: isStale(ctx, cluster),
    nodes: facts.nodes.length,
    ...boundedPortMapPage(facts, page.keys),
    totalPorts: page.total,
    nextCursor: page.nextCursor,
    prevCursor: page.prevCursor,
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
  // Only the port's allocations: a row's free nodes depend on nothing else.
  const facts = await loadPortMapFacts(ctx.db, { cluster, asOf: input.asOf }, 0, [input.hostPort]);
  const row = buildPortMap(facts).rows.find(
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
    asOf: viewInstant(cluster, input.asOf),
    freeCount: row.freeNodes.length,
    nodes: page,
    nextCursor: rest.length > input.limit ? (page[page.length - 1] ?? null) : null,
  };
}

/** Allocations one page of a node's ports holds by default, and at most. */
const DEFAULT_NODE_ALLOCATIONS = 1000;
export const MAX_NODE_ALLOCATIONS = 5000;

const NODE_CURSOR = new RegExp(`^(\\d{1,5})/(${protocols.join("|")})/([0-9A-Fa-f:.]{0,45})/(\\d{1,15})$`);

/** "<port>/<protocol>/<host IP>/<id>": the last allocation of the previous page. */
const nodeCursorSchema = z
  .string()
  .max(80)
  .regex(NODE_CURSOR, "cursor is the nextCursor of the previous page")
  .transform((text) => {
    const [, port, protocol, hostIP, id] = NODE_CURSOR.exec(text) ?? [];
    return { hostPort: Number(port), protocol: protocol ?? "", hostIP: hostIP ?? "", id: Number(id) };
  });

export const nodePortsInput = z.object({
  cluster: clusterNameSchema,
  node: nodeNameSchema,
  asOf: instantSchema.optional(),
  limit: z.number().int().min(1).max(MAX_NODE_ALLOCATIONS).default(DEFAULT_NODE_ALLOCATIONS),
  cursor: nodeCursorSchema.optional(),
});

/**
 * One node's facts and its allocations a page at a time, by (port, protocol, host IP): a node of
 * hostNetwork pods may hold every port there is. The undeclared hostNetwork pods come as a count
 * and the first NODE_NAME_SAMPLE by name.
 */
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
  const a = portAllocations;
  const onNode = and(eq(a.clusterId, cluster.id), eq(a.node, input.node), validAt(a, input.asOf));
  const order = sql`(${a.hostPort}, ${a.protocol} COLLATE "C", ${a.hostIp} COLLATE "C", ${a.id})`;
  const after = input.cursor;
  const p = podVersions;
  const podsOnNode = and(eq(p.clusterId, cluster.id), eq(p.node, input.node), validAt(p, input.asOf));
  const undeclared = declaresNoPorts(p.hostNetwork, p.ports);
  const [rows, [counts], pods] = await Promise.all([
    ctx.db
      .select(allocationColumns)
      .from(a)
      .innerJoin(clusters, eq(clusters.id, a.clusterId))
      .where(
        and(
          onNode,
          after
            ? sql`${order} > (${after.hostPort}::int, ${after.protocol}::text, ${after.hostIP}::text, ${after.id}::bigint)`
            : undefined,
        ),
      )
      .orderBy(a.hostPort, sql`${a.protocol} COLLATE "C"`, sql`${a.hostIp} COLLATE "C"`, a.id)
      .limit(input.limit + 1),
    rawRows<{ allocations: number; undeclared: number }>(
      ctx.db,
      sql`SELECT (SELECT count(*)::int FROM ${a} WHERE ${onNode}) AS allocations,
                 (SELECT count(*)::int FROM ${p} WHERE ${podsOnNode} AND ${undeclared}) AS undeclared`,
    ),
    ctx.db
      .select({
        namespace: p.namespace,
        name: p.name,
        node: p.node,
        ownerKind: p.ownerKind,
        ownerName: p.ownerName,
      })
      .from(p)
      .where(and(podsOnNode, undeclared))
      .orderBy(sql`${p.namespace} COLLATE "C"`, sql`${p.name} COLLATE "C"`)
      .limit(NODE_NAME_SAMPLE),
  ]);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    node: {
      name: node.name,
      labels: node.labels,
      ready: node.ready,
      unschedulable: node.unschedulable,
      taints: node.taints,
      addresses: node.addresses,
      since: node.validFrom.toISOString(),
    },
    /** allocations on the node at the instant, all pages together */
    allocationCount: counts?.allocations ?? 0,
    allocations: page.map(presentAllocation),
    nextCursor:
      rows.length > input.limit && last
        ? `${last.hostPort}/${last.protocol}/${last.hostIP}/${last.id}`
        : null,
    undeclaredHostNetworkPodCount: counts?.undeclared ?? 0,
    undeclaredHostNetworkPods: pods.map(presentUndeclared),
  };
}
