import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { clusters, nodeVersions, podVersions, portAllocations } from "../db/schema/index.js";
import { closedValidAt, openAt, validAt } from "../db/validity.js";
import { boundedPortMap, buildPortMap, NODE_NAME_SAMPLE } from "../domain/port-map.js";
import { ownerOf } from "../domain/workload.js";
import type { ServiceContext } from "./context.js";
import { notFound } from "./errors.js";
import {
  clusterListSchema,
  cursorSchema,
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
  cursor: cursorSchema.optional(),
});
export type WhoInput = z.output<typeof whoInput>;

/**
 * The rows of one port valid at asOf (the open rows when omitted) as the branches that each follow
 * an index: open rows through port_allocations_open_port_idx, closed rows (as-of only) through the
 * GiST span index. Either costs what the answer holds, not the history before or after asOf.
 */
function portBranches(ctx: ServiceContext, input: WhoInput): SQL[] {
  const common: SQL[] = [
    inArray(
      portAllocations.clusterId,
      selectedClusterIds(ctx.db, { clusters: input.clusters, asOf: input.asOf }),
    ),
  ];
  if (input.protocol) common.push(eq(portAllocations.protocol, input.protocol));
  const port = eq(portAllocations.hostPort, input.hostPort);
  const open = and(port, openAt(portAllocations, input.asOf), ...common) as SQL;
  if (!input.asOf) return [open];
  return [open, and(closedValidAt(portAllocations, input.hostPort, input.asOf), ...common) as SQL];
}

interface WhoRow {
  /** 0: per cluster, 1: per workload, 2: an id of the page */
  kind: number;
  id: number | null;
  cluster: string | null;
  last_seen_ms: number | null;
  created_ms: number | null;
  namespace: string | null;
  owner_kind: string | null;
  owner_name: string | null;
  allocations: number | null;
  nodes: number | null;
  clusters: number | null;
}

/**
 * The summaries and the ids of the next page, in one statement that reads the rows once
 * (index-only for "now"). The materialisation also fences the page off from the planner's favourite
 * for `ORDER BY id LIMIT`, a walk of the primary key that filters every closed row before it reaches
 * the open ones (the newest). Aggregation is by hashing: distinct nodes and clusters are counted by
 * grouping twice, not by count(DISTINCT …), which sorts every row.
 */
async function whoRows(ctx: ServiceContext, branches: SQL[], input: WhoInput) {
  const t = portAllocations;
  const rowsAt = sql.join(
    branches.map(
      (branch) =>
        sql`SELECT ${t.id} AS id, ${t.clusterId} AS cluster_id, ${t.node} AS node,
                   ${t.namespace} AS namespace, ${t.ownerKind} AS owner_kind, ${t.ownerName} AS owner_name
            FROM ${t} WHERE ${branch}`,
    ),
    sql` UNION ALL `,
  );
  const after = input.cursor === undefined ? sql`true` : sql`id > ${input.cursor}`;
  return rawRows<WhoRow>(
    ctx.db,
    sql`WITH v AS MATERIALIZED (${rowsAt}), per_node AS (
          SELECT cluster_id, count(*) AS n FROM v GROUP BY cluster_id, node
        ), per_cluster AS (
          SELECT cluster_id, sum(n)::int AS allocations, count(*)::int AS nodes FROM per_node GROUP BY cluster_id
        ), per_workload_cluster AS (
          SELECT namespace, owner_kind, owner_name, count(*) AS n FROM v
          GROUP BY namespace, owner_kind, owner_name, cluster_id
        )
        SELECT 0 AS kind, NULL::float8 AS id, c.name AS cluster,
               (extract(epoch FROM c.last_seen_at) * 1000)::float8 AS last_seen_ms,
               (extract(epoch FROM c.created_at) * 1000)::float8 AS created_ms,
               NULL::text AS namespace, NULL::text AS owner_kind, NULL::text AS owner_name,
               p.allocations, p.nodes, NULL::int AS clusters
        FROM per_cluster p JOIN ${clusters} c ON c.id = p.cluster_id
        UNION ALL
        SELECT 1, NULL, NULL, NULL, NULL, namespace, owner_kind, owner_name, sum(n)::int, NULL, count(*)::int
        FROM per_workload_cluster GROUP BY namespace, owner_kind, owner_name
        UNION ALL
        (SELECT 2, id::float8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
         FROM v WHERE ${after} ORDER BY id LIMIT ${input.limit + 1})
        ORDER BY kind, cluster, namespace, owner_name, owner_kind, id`,
  );
}

/** Every allocation of one host port across the fleet, a page at a time, with a summary that is cheap at any size. */
export async function whoHoldsPort(ctx: ServiceContext, input: WhoInput) {
  // Named clusters must exist; the fleet itself stays in SQL (a subquery), whatever its size.
  if (input.clusters) await selectClusters(ctx.db, { clusters: input.clusters, asOf: input.asOf });
  const rows = await whoRows(ctx, portBranches(ctx, input), input);
  const ids = rows.flatMap((r) => (r.kind === 2 && r.id !== null ? [r.id] : []));
  const pageIds = ids.slice(0, input.limit);
  const page =
    pageIds.length === 0
      ? []
      : await ctx.db
          .select(allocationColumns)
          .from(portAllocations)
          .innerJoin(clusters, eq(clusters.id, portAllocations.clusterId))
          .where(inArray(portAllocations.id, pageIds))
          .orderBy(asc(portAllocations.id));
  const last = pageIds[pageIds.length - 1];
  const byCluster = rows
    .filter((r) => r.kind === 0)
    .map((r) => ({
      cluster: r.cluster ?? "",
      allocations: r.allocations ?? 0,
      nodes: r.nodes ?? 0,
      stale: isStale(ctx, {
        createdAt: new Date(r.created_ms ?? 0),
        lastSeenAt: r.last_seen_ms === null ? null : new Date(r.last_seen_ms),
      }),
    }));
  const byWorkload = rows
    .filter((r) => r.kind === 1)
    .map((r) => ({
      namespace: r.namespace ?? "",
      allocations: r.allocations ?? 0,
      clusters: r.clusters ?? 0,
      owner: ownerOf({ ownerKind: r.owner_kind, ownerName: r.owner_name }),
    }));
  return {
    allocations: page.map(presentAllocation),
    nextCursor: ids.length > input.limit && last !== undefined ? String(last) : null,
    summary: { total: byCluster.reduce((sum, c) => sum + c.allocations, 0), byCluster, byWorkload },
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
