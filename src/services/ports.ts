import { eq, inArray } from "drizzle-orm";
import * as z from "zod";
import { clusterNameSchema, protocols } from "../contract/snapshot.js";
import { clusters, portAllocations } from "../db/schema/index.js";
import { NODE_NAME_SAMPLE, withObservedOnlyEntries } from "../domain/port-map.js";
import { heldPortMapPage, nodePageOf, sortedNodeNames } from "../domain/port-map-held.js";
import { ownerOf } from "../domain/workload.js";
import { allocationColumns, presentAllocation } from "./allocation-rows.js";
import { findCluster, selectClusters } from "./cluster-selection.js";
import { viewInstant } from "./cluster-view.js";
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
import { observedOnNode, observedOnPort } from "./listeners.js";
import { loadNodePorts } from "./node-ports-page.js";
import { loadObservedCells, presentCell } from "./observed-cells.js";
import { listenerCountsOnPorts } from "./observed-listeners.js";
import { loadHeldPortFacts } from "./port-map-held.js";
import {
  encodeRowCursor,
  MAX_PORT_MAP_ROWS,
  portMapLimitSchema,
  portMapPage,
  rowCursorSchema,
} from "./port-map-page.js";
import { requireRetained } from "./retention.js";
import { isStale } from "./staleness.js";
import { whoCursorSchema, whoPage, whoWhere } from "./who-page.js";
import { whoSummary } from "./who-summary.js";

export const whoInput = z.object({
  hostPort: hostPortSchema,
  protocol: queryProtocolSchema.optional(),
  clusters: clusterListSchema.optional(),
  asOf: instantSchema.optional(),
  limit: pageLimitSchema,
  cursor: whoCursorSchema.optional(),
});
export type WhoInput = z.output<typeof whoInput>;

/**
 * Every allocation of one host port across the fleet, a page at a time; the first page (no cursor)
 * also carries the summary, read from the count projections (later pages: null).
 */
export async function whoHoldsPort(ctx: ServiceContext, input: WhoInput) {
  requireRetained(ctx, "asOf", input.asOf);
  // Named clusters must exist; the fleet itself stays in SQL (a subquery), whatever its size.
  if (input.clusters) await selectClusters(ctx.db, { clusters: input.clusters, asOf: input.asOf });
  const [rows, summary, observed] = await Promise.all([
    whoPage(ctx, whoWhere(ctx, input), input.asOf, input.cursor, input.limit + 1),
    input.cursor === undefined ? whoSummary(ctx, input) : null,
    // Observed listeners come with the first page only, like the summary.
    input.cursor === undefined ? observedOnPort(ctx, input) : null,
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
    /** what nodes were observed listening on on the port (first page only; [] on later pages) */
    listeners: observed?.listeners ?? [],
    listenersTruncated: observed?.listenersTruncated ?? false,
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

/** Node columns one ports.map answer speaks of by default (the dashboard's grid), and at most. */
export const DEFAULT_MAP_NODE_PAGE = 24;
export const MAX_MAP_NODE_PAGE = 100;

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
    /** node columns per page: each row says which of the page's nodes hold its port and which are free */
    nodeLimit: z.number().int().min(1).max(MAX_MAP_NODE_PAGE).default(DEFAULT_MAP_NODE_PAGE),
    /** the nodePage.nextCursor (or prevCursor) of a previous answer: the node page starts after it */
    nodeCursor: nodeNameSchema.optional(),
    /**
     * also a row (host IP "", `observedOnly: true`) for each port only observed listeners hold: no pod
     * or IngressController declares it, yet a bind of it fails on the nodes listening there
     */
    withObservedOnly: z.boolean().default(false),
  })
  .refine((input) => input.cursor === undefined || input.before === undefined, {
    message: "cursor and before are exclusive: one page follows, the other precedes",
    path: ["before"],
  });

/**
 * A page of the cluster's port map, its size independent of the cluster's: at most `limit` rows,
 * each with exact counts and at most NODE_NAME_SAMPLE names per list (WORKLOAD_SAMPLE workloads),
 * and for a page of the cluster's nodes (nodeLimit, after nodeCursor) which of them hold the row's port
 * and which are free for it; likewise the undeclared hostNetwork pods. `totalPorts` counts the whole
 * map's rows, `nodePage.total` its nodes, and the cursors lead to the pages after and before.
 * The rows come from the page's holds grouped in SQL (src/services/port-map-held.ts).
 */
export async function portMap(ctx: ServiceContext, input: z.output<typeof portMapInput>) {
  requireRetained(ctx, "asOf", input.asOf);
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  const page = await portMapPage(
    ctx.db,
    { clusterId: cluster.id, asOf: input.asOf },
    { after: input.cursor, before: input.before, limit: input.limit, observedOnly: input.withObservedOnly },
  );
  const hostPorts = [...new Set(page.keys.map((k) => k.hostPort))];
  const [facts, observed] = await Promise.all([
    // The undeclared pods come sorted, so the names an answer lists are the first ones on every call.
    loadHeldPortFacts(ctx.db, { cluster, asOf: input.asOf }, hostPorts, NODE_NAME_SAMPLE),
    listenerCountsOnPorts(ctx.db, { clusterId: cluster.id, asOf: input.asOf }, hostPorts),
  ]);
  const { undeclared } = facts;
  const nodePage = nodePageOf(sortedNodeNames(facts.nodes), input.nodeCursor, input.nodeLimit);
  const bounded = heldPortMapPage(facts, page.keys, nodePage.names);
  const cells = new Map(bounded.ports.map((row) => [encodeRowCursor(row), row.pageNodes]));
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    stale: isStale(ctx, cluster),
    nodes: facts.nodes.length,
    schedulableNodes: bounded.schedulableNodes,
    // What nodes were seen listening on each row's port (null: nothing observed), beside the holds.
    ports: withObservedOnlyEntries(bounded.ports, page.keys).map((row) => ({
      ...row,
      // an observed-only row is held nowhere and free nowhere
      pageNodes: cells.get(encodeRowCursor(row)) ?? { held: [], free: [] },
      observedListeners: observed.get(`${row.hostPort}/${row.protocol}`) ?? null,
    })),
    totalPorts: page.total,
    nextCursor: page.nextCursor,
    prevCursor: page.prevCursor,
    /** the node columns of this answer: `pageNodes` of each row speaks of these */
    nodePage,
    undeclaredHostNetworkPodCount: undeclared.count,
    undeclaredHostNetworkPods: undeclared.pods.map(presentUndeclared),
    // Why `schedulableNodes` is short of `nodes`: the grid marks these columns (cordoned, NotReady).
    unschedulableNodes: unschedulableSample(facts.nodes),
  };
}

/** The first NODE_NAME_SAMPLE nodes by name no new pod goes to, each with why (`nodes - schedulableNodes` counts them all). */
function unschedulableSample(nodes: readonly { name: string; ready: boolean; unschedulable: boolean }[]) {
  return nodes
    .filter((n) => n.unschedulable || !n.ready)
    .map((n) => ({ name: n.name, cordoned: n.unschedulable, ready: n.ready }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
    .slice(0, NODE_NAME_SAMPLE);
}

/** Node columns one ports.mapListeners call covers: a page of the grid's (24), with room to spare. */
export const MAX_MAP_LISTENER_NODES = 50;
/** Listeners one ports.mapListeners answer carries; past it `truncated` says so. */
export const MAX_MAP_LISTENERS = 5000;

export const portMapListenersInput = z.object({
  cluster: clusterNameSchema,
  asOf: instantSchema.optional(),
  /** the page's ports (a ports.map page's rows) */
  ports: z.array(hostPortSchema).min(1).max(MAX_PORT_MAP_ROWS),
  /** the grid's node columns */
  nodes: z.array(nodeNameSchema).min(1).max(MAX_MAP_LISTENER_NODES),
});

/**
 * What the named nodes were observed listening on, on the named ports, at the instant: one cell per
 * node and port with a listener, each classified, `willCrash` where an undeclared listener is in the
 * way of a hostNetwork hold of the port elsewhere in the cluster; and which of the nodes sent a report
 * (the others are not observed: nothing is known of what they listen on).
 */
export async function portMapListeners(ctx: ServiceContext, input: z.output<typeof portMapListenersInput>) {
  requireRetained(ctx, "asOf", input.asOf);
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  const read = await loadObservedCells(
    ctx.db,
    { clusterId: cluster.id, asOf: input.asOf, ports: input.ports, nodes: input.nodes },
    MAX_MAP_LISTENERS,
  );
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    /** of the nodes asked about, those with a listener report valid at the instant */
    observedNodes: read.observedNodes,
    cells: read.cells.map(presentCell),
    truncated: read.truncated,
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
  requireRetained(ctx, "asOf", input.asOf);
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  // Only the port's holds: a row's free nodes depend on nothing else.
  const key = { hostPort: input.hostPort, protocol: input.protocol, hostIP: input.hostIP };
  const facts = await loadHeldPortFacts(ctx.db, { cluster, asOf: input.asOf }, [input.hostPort], 0);
  // Every free node (no sample): this answer pages them itself.
  const [row] = heldPortMapPage(facts, [key], [], Number.MAX_SAFE_INTEGER).ports;
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
    freeCount: row.freeCount,
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
  requireRetained(ctx, "asOf", input.asOf);
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  const read = await loadNodePorts(ctx.db, { ...input, cluster });
  if (!read)
    throw notFound(
      `node "${input.node}" in cluster "${cluster.name}"${input.asOf ? ` at ${input.asOf.toISOString()}` : ""}`,
    );
  const { node, rows, counts, pods } = read;
  // Classified against all the node's hostNetwork holds on the listeners' ports, not this page's.
  const observed =
    input.cursor === undefined
      ? await observedOnNode(ctx, { clusterId: cluster.id, node: input.node, asOf: input.asOf })
      : null;
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
    /** the node sent a listener report valid at the instant; its listeners, first page only */
    listenersObserved: observed?.listenersObserved ?? false,
    listeners: observed?.listeners ?? [],
    listenersTruncated: observed?.listenersTruncated ?? false,
  };
}
