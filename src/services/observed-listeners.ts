/**
 * What nodes were observed listening on (node_listener_versions), as ports.who, ports.node and the
 * listener matrix read it: one port across the fleet (node_listener_versions_open_port_idx for now),
 * one node, or one cluster (its as-of index). Every read is bounded: the caller says how many rows.
 */

import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { ObservedListener } from "../contract/listeners.js";
import { arrayLiteral } from "../db/bulk-insert.js";
import {
  clusters,
  nodeListenerVersions,
  nodePortRangeVersions,
  portAllocations,
} from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import { listenerOfStored } from "../domain/node-listeners.js";
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
export function hostNetworkHoldsOfPort(ctx: ServiceContext, question: WhoQuestion) {
  return ctx.db
    .select()
    .from(portAllocations)
    .where(
      and(
        eq(portAllocations.hostPort, question.hostPort),
        eq(portAllocations.hostNetwork, true),
        inSelection(ctx, question, portAllocations.clusterId),
        validAt(portAllocations, question.asOf),
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

/** Per port and protocol of `ports` (a map page's): how many listeners and nodes were observed. */
export async function listenerCountsOnPorts(
  db: Db,
  at: { clusterId: number; asOf?: Date | undefined },
  ports: readonly number[],
) {
  if (ports.length === 0) return new Map<string, { listeners: number; nodes: number }>();
  const rows = await db
    .select({
      port: t.port,
      protocol: t.protocol,
      listeners: sql<number>`count(*)::int`,
      nodes: sql<number>`count(DISTINCT ${t.node})::int`,
    })
    .from(t)
    .where(and(eq(t.clusterId, at.clusterId), validAt(t, at.asOf), inArray(t.port, [...new Set(ports)])))
    .groupBy(t.port, t.protocol);
  return new Map(rows.map((r) => [`${r.port}/${r.protocol}`, { listeners: r.listeners, nodes: r.nodes }]));
}
