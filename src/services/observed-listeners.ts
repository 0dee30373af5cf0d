/**
 * What nodes were observed listening on (node_listener_versions), as ports.who, ports.node and the
 * listener matrix read it: one port across the fleet (node_listener_versions_open_port_idx for now),
 * one node, or one cluster (its as-of index). Every read is bounded: the caller says how many rows.
 */

import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { ObservedListener } from "../contract/listeners.js";
import { arrayLiteral } from "../db/bulk-insert.js";
import { rawRows } from "../db/raw.js";
import {
  clusters,
  declaredPortVersions,
  nodeListenerVersions,
  nodePortRangeVersions,
  portAllocations,
} from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import { listenerOfStored } from "../domain/node-listeners.js";
import type { HostNetworkBind } from "../domain/observed-ports.js";
import { NODE_NAME_SAMPLE } from "../domain/port-map.js";
import type { ServiceContext } from "./context.js";
import { inSelection, type WhoQuestion } from "./who-page.js";

const t = nodeListenerVersions;

const listenerColumns = {
  cluster: clusters.name,
  clusterId: t.clusterId,
  node: t.node,
  protocol: t.protocol,
  family: t.family,
  address: t.address,
  port: t.port,
  interface: t.interface,
  scope: t.scope,
  dualStack: t.dualStack,
  processes: t.processes,
  podNamespace: t.podNamespace,
  podName: t.podName,
  podContainer: t.podContainer,
  attribution: t.attribution,
  validFrom: t.validFrom,
};

export type StoredListener = Awaited<ReturnType<typeof selectListeners>>[number];

async function selectListeners(db: Db, where: SQL, take: number) {
  return db
    .select(listenerColumns)
    .from(t)
    .innerJoin(clusters, eq(clusters.id, t.clusterId))
    .where(where)
    .orderBy(asc(clusters.name), asc(t.node), asc(t.protocol), asc(t.port), asc(t.address), asc(t.id))
    .limit(take);
}

/** The contract's listener of a stored row (what the domain classifies and the matrix groups). */
export const asObservedListener = (row: StoredListener): ObservedListener => listenerOfStored(row);

/** Up to `take` listeners on one port in the question's clusters at its instant. */
export function listenersOnPort(ctx: ServiceContext, question: WhoQuestion, take: number) {
  const conditions: SQL[] = [
    eq(t.port, question.hostPort),
    inSelection(ctx, question, t.clusterId),
    validAt(t, question.asOf),
  ];
  if (question.protocol) conditions.push(eq(t.protocol, question.protocol));
  return selectListeners(ctx.db, and(...conditions) as SQL, take);
}

/** The hostNetwork allocations of one port (what classifies a listener on it as declared). */
/**
 * The hostNetwork allocations of a who question's port on the given nodes (the listed listeners'):
 * what classifies those listeners, bounded by them rather than by every holder of the port in the
 * fleet (node-exporter's 9100 is held on every node of every cluster).
 */
export function hostNetworkHoldsOfPort(
  ctx: ServiceContext,
  question: WhoQuestion,
  nodes: readonly { clusterId: number; node: string }[],
) {
  if (nodes.length === 0) return Promise.resolve([]);
  const a = portAllocations;
  return ctx.db
    .select()
    .from(a)
    .where(
      and(
        eq(a.hostPort, question.hostPort),
        eq(a.hostNetwork, true),
        sql`(${a.clusterId}, ${a.node}) IN (SELECT * FROM unnest(${arrayLiteral(nodes.map((n) => n.clusterId))}::int[],
              ${arrayLiteral(nodes.map((n) => n.node))}::text[]))`,
        validAt(a, question.asOf),
      ),
    );
}

/**
 * One node's hostNetwork allocations at asOf on `ports` (its listeners' ports): all a listener of the
 * node is classified against, whatever page of the node's allocations an answer shows. Bounded by
 * the node's allocations on those ports.
 */
export function hostNetworkHoldsOnNode(
  db: Db,
  at: { clusterId: number; node: string; asOf?: Date | undefined },
  ports: readonly number[],
) {
  if (ports.length === 0) return Promise.resolve([]);
  const a = portAllocations;
  return db
    .select()
    .from(a)
    .where(
      and(
        eq(a.clusterId, at.clusterId),
        eq(a.node, at.node),
        eq(a.hostNetwork, true),
        validAt(a, at.asOf),
        sql`${a.hostPort} = ANY(${arrayLiteral([...new Set(ports)])}::int[])`,
      ),
    );
}

/** Up to `take` listeners of one cluster (or one node of it) at asOf. */
export function clusterListeners(
  db: Db,
  at: { clusterId: number; node?: string | undefined; asOf?: Date | undefined },
  take: number,
) {
  const conditions: SQL[] = [eq(t.clusterId, at.clusterId), validAt(t, at.asOf)];
  if (at.node !== undefined) conditions.push(eq(t.node, at.node));
  return selectListeners(db, and(...conditions) as SQL, take);
}

/** The nodes observed at asOf (an open report row), with their attribution tier. */
export function observedNodes(db: Db, at: { clusterId: number; asOf?: Date | undefined }) {
  return db
    .select({ node: nodePortRangeVersions.node, attribution: nodePortRangeVersions.attribution })
    .from(nodePortRangeVersions)
    .where(and(eq(nodePortRangeVersions.clusterId, at.clusterId), validAt(nodePortRangeVersions, at.asOf)))
    .orderBy(nodePortRangeVersions.node);
}

/** Per port and protocol of `ports` (a map page's): how many listeners and nodes, the first nodes by name. */
export async function listenerCountsOnPorts(
  db: Db,
  at: { clusterId: number; asOf?: Date | undefined },
  ports: readonly number[],
) {
  const counts = new Map<string, { listeners: number; nodes: number; nodeNames: string[] }>();
  if (ports.length === 0) return counts;
  const rows = await db
    .select({
      port: t.port,
      protocol: t.protocol,
      listeners: sql<number>`count(*)::int`,
      nodes: sql<number>`count(DISTINCT ${t.node})::int`,
      // Names sort as "C" (DNS-1123 names: the dashboard's order too); the list is cut in SQL and
      // comes as text joined by commas (no node name holds one): postgres.js may not parse a text[].
      nodeNames: sql<string>`array_to_string((array_agg(DISTINCT ${t.node} COLLATE "C" ORDER BY ${t.node} COLLATE "C"))[1:${sql.raw(String(NODE_NAME_SAMPLE))}], ',')`,
    })
    .from(t)
    .where(and(eq(t.clusterId, at.clusterId), validAt(t, at.asOf), onPorts(ports)))
    .groupBy(t.port, t.protocol);
  for (const { port, protocol, nodeNames, ...r } of rows) {
    counts.set(`${port}/${protocol}`, { ...r, nodeNames: nodeNames.split(",") });
  }
  return counts;
}

/** The listeners' port among `ports`: one array parameter, however many ports a page holds. */
const onPorts = (ports: readonly number[]) =>
  sql`${t.port} = ANY(${arrayLiteral([...new Set(ports)])}::int[])`;
const onNodes = (column: PgColumn, nodes: readonly string[]) =>
  sql`${column} = ANY(${arrayLiteral(nodes)}::text[])`;

/** Which port map rows and nodes a listener read is about: a page's ports, and its nodes or all of them. */
export interface PortsAndNodes {
  clusterId: number;
  asOf?: Date | undefined;
  ports: readonly number[];
  /** only these nodes (a page of the grid's columns); omitted: every node of the cluster */
  nodes?: readonly string[] | undefined;
}

/**
 * Up to `take` listeners on the page's ports (and nodes) at the instant. Now, the open rows are found
 * by node_listener_versions_open_port_idx (port, cluster), whatever the cluster's other sockets.
 */
export function listenersOnPorts(db: Db, at: PortsAndNodes, take: number) {
  const conditions: SQL[] = [eq(t.clusterId, at.clusterId), onPorts(at.ports), validAt(t, at.asOf)];
  if (at.nodes !== undefined) conditions.push(onNodes(t.node, at.nodes));
  return selectListeners(db, and(...conditions) as SQL, take);
}

/** Of the page's nodes (or all), the ones with a listener report valid at the instant, and their tier. */
export function reportsOfNodes(db: Db, at: Omit<PortsAndNodes, "ports">) {
  const r = nodePortRangeVersions;
  const conditions: SQL[] = [eq(r.clusterId, at.clusterId), validAt(r, at.asOf)];
  if (at.nodes !== undefined) conditions.push(onNodes(r.node, at.nodes));
  return db
    .select({ node: r.node, attribution: r.attribution })
    .from(r)
    .where(and(...conditions))
    .orderBy(r.node);
}

/** The hostNetwork allocations of the page's ports on its nodes: what classifies a listener as declared. */
export function hostNetworkHoldsOnPorts(db: Db, at: PortsAndNodes) {
  const a = portAllocations;
  const conditions: SQL[] = [
    eq(a.clusterId, at.clusterId),
    sql`${a.hostPort} = ANY(${arrayLiteral([...new Set(at.ports)])}::int[])`,
    eq(a.hostNetwork, true),
    validAt(a, at.asOf),
  ];
  if (at.nodes !== undefined) conditions.push(onNodes(a.node, at.nodes));
  return db
    .select({
      clusterId: a.clusterId,
      node: a.node,
      namespace: a.namespace,
      pod: a.pod,
      ownerKind: a.ownerKind,
      ownerName: a.ownerName,
      container: a.container,
      protocol: a.protocol,
      hostIP: a.hostIp,
      hostPort: a.hostPort,
      hostNetwork: a.hostNetwork,
    })
    .from(a)
    .where(and(...conditions));
}

/**
 * The distinct (protocol, port, host IP) the cluster holds on the host network at the instant, of the
 * page's ports, on any node: hostNetwork pods' allocations and HostNetwork IngressControllers'
 * declarations. A listener no pod declares is in their way wherever a replica may go.
 */
export function hostNetworkBindsOfPorts(db: Db, at: Omit<PortsAndNodes, "nodes">) {
  const a = portAllocations;
  const d = declaredPortVersions;
  const ports = arrayLiteral([...new Set(at.ports)]);
  return rawRows<HostNetworkBind>(
    db,
    sql`SELECT ${a.protocol} AS "protocol", ${a.hostPort} AS "hostPort", ${a.hostIp} AS "hostIP"
        FROM ${a} WHERE ${a.clusterId} = ${at.clusterId} AND ${a.hostPort} = ANY(${ports}::int[])
          AND ${a.hostNetwork} AND ${validAt(a, at.asOf)}
        UNION
        SELECT ${d.protocol}, ${d.hostPort}, ${d.hostIp}
        FROM ${d} WHERE ${d.clusterId} = ${at.clusterId} AND ${d.hostPort} = ANY(${ports}::int[])
          AND ${validAt(d, at.asOf)}`,
  );
}
