/**
 * What the planners read of node listener history (docs/listeners.md): the open listeners of the
 * target clusters on the ports a plan asks about, and which nodes are observed at all (an open
 * node_port_range_versions row). Always bounded by cluster ids and by the ports in question, so a
 * plan never loads every cluster's listeners.
 */

import { and, asc, between, eq, isNull, sql } from "drizzle-orm";
import type { AttributionTier, ListenerProtocol, ObservedListener } from "../../contract/listeners.js";
import { arrayLiteral } from "../../db/bulk-insert.js";
import { rawRows } from "../../db/raw.js";
import { nodeListenerVersions, nodePortRangeVersions, portAllocations } from "../../db/schema/index.js";
import type { Db } from "../../db/types.js";
import type { NodeListenerReport } from "../../domain/drain.js";
import type { ListenerBlock } from "../../domain/listener-fit.js";
import { listenerOfStored } from "../../domain/node-listeners.js";
import type { AllocationView } from "../../domain/views.js";

/** One open listener of a node, with the node's cluster and the tier that saw it. */
export interface NodeListenerRow {
  clusterId: number;
  node: string;
  attribution: AttributionTier;
  listener: ObservedListener;
}

const t = nodeListenerVersions;

/** Open listeners of `ids`' nodes on `ports` (a list, or an inclusive range), ordered by node. */
export async function openListenersOn(
  db: Db,
  ids: readonly number[],
  ports: readonly number[] | { from: number; to: number },
  protocol?: ListenerProtocol,
  limit?: number,
): Promise<NodeListenerRow[]> {
  if (ids.length === 0 || (!("from" in ports) && ports.length === 0)) return [];
  const portFilter =
    "from" in ports
      ? between(t.port, ports.from, ports.to)
      : sql`${t.port} = ANY(${arrayLiteral([...ports])}::int[])`;
  const rows = await db
    .select()
    .from(t)
    .where(
      and(
        isNull(t.validTo),
        sql`${t.clusterId} = ANY(${arrayLiteral([...ids])}::int[])`,
        portFilter,
        protocol ? sql`${t.protocol} = ${protocol}` : undefined,
      ),
    )
    .orderBy(asc(t.clusterId), sql`${t.node} COLLATE "C"`, asc(t.port), asc(t.address))
    .limit(limit ?? MAX_LISTENER_ROWS);
  return rows.map((r) => ({
    clusterId: r.clusterId,
    node: r.node,
    attribution: r.attribution as AttributionTier,
    listener: listenerOfStored(r),
  }));
}

/** Rows one read returns at most: a plan asks about a handful of ports, or names listeners per port. */
const MAX_LISTENER_ROWS = 100_000;

/** Distinct ports some node of `ids` listens on (any address) in `range`, of `protocol`. */
export async function listenedPorts(
  db: Db,
  ids: readonly number[],
  range: { from: number; to: number },
  protocol: ListenerProtocol,
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ port: t.port })
    .from(t)
    .where(
      and(
        isNull(t.validTo),
        sql`${t.clusterId} = ANY(${arrayLiteral([...ids])}::int[])`,
        between(t.port, range.from, range.to),
        sql`${t.protocol} = ${protocol}`,
      ),
    );
  return new Set(rows.map((r) => r.port));
}

/**
 * Per cluster of `ids`, the distinct ip_local_port_ranges its nodes report; null for a cluster where
 * some node reports none (not observed, or its report lacks the range): its range is then unknown.
 */
export async function reportedLocalRanges(db: Db, ids: readonly number[]) {
  const byCluster = new Map<number, { from: number; to: number }[] | null>();
  if (ids.length === 0) return byCluster;
  const r = nodePortRangeVersions;
  const rows = await rawRows<{ clusterId: number; portFrom: number | null; portTo: number | null }>(
    db,
    sql`SELECT DISTINCT n.cluster_id AS "clusterId", ${r.portFrom} AS "portFrom", ${r.portTo} AS "portTo"
        FROM node_versions n LEFT JOIN ${r}
          ON ${r.clusterId} = n.cluster_id AND ${r.node} = n.name AND ${r.validTo} IS NULL
        WHERE n.valid_to IS NULL AND n.cluster_id = ANY(${arrayLiteral([...ids])}::int[])`,
  );
  for (const row of rows) {
    const known = byCluster.get(row.clusterId);
    if (row.portFrom === null || row.portTo === null) byCluster.set(row.clusterId, null);
    else if (known !== null)
      byCluster.set(row.clusterId, [...(known ?? []), { from: row.portFrom, to: row.portTo }]);
  }
  return byCluster;
}

/**
 * The open hostNetwork allocations on `ports` of the given nodes: what tells a listener its own pod
 * declares (listener-classes.ts) from one nobody declares. Bounded by the nodes a plan found
 * listened and the plan's ports.
 */
export async function hostNetworkHoldsOnNodes(
  db: Db,
  nodes: readonly { clusterId: number; node: string }[],
  ports: readonly number[],
): Promise<(AllocationView & { clusterId: number })[]> {
  if (nodes.length === 0 || ports.length === 0) return [];
  const a = portAllocations;
  const rows = await db
    .select()
    .from(a)
    .where(
      and(
        isNull(a.validTo),
        eq(a.hostNetwork, true),
        sql`(${a.clusterId}, ${a.node}) IN (SELECT * FROM unnest(${arrayLiteral(nodes.map((n) => n.clusterId))}::int[],
              ${arrayLiteral(nodes.map((n) => n.node))}::text[]))`,
        sql`${a.hostPort} = ANY(${arrayLiteral([...new Set(ports)])}::int[])`,
      ),
    );
  return rows.map(({ hostIp, ...row }) => ({ ...row, hostIP: hostIp }));
}

/** A node where listeners block some wanted ports, as planning answers show it (fit, drain). */
export const listenedNodeSample = (n: { node: string; blocks: readonly ListenerBlock[] }) => ({
  node: n.node,
  ports: n.blocks.map((b) => ({
    hostPort: b.port.hostPort,
    protocol: b.port.protocol,
    effect: b.effect,
    assumptions: b.assumptions,
    listeners: b.blockers.map((c) => ({
      protocol: c.listener.protocol,
      address: c.listener.address,
      port: c.listener.port,
      interface: c.listener.interface ?? null,
      processes: c.listener.processes.map((p) => p.name),
      pod: c.listener.pod ?? null,
      class: c.class,
    })),
  })),
});

/** Per node of one cluster, its open listeners on `ports`, as drain and headroom judge them. */
export async function listenerReportsOn(
  db: Db,
  clusterId: number,
  ports: readonly number[],
): Promise<Map<string, NodeListenerReport>> {
  const byNode = new Map<
    string,
    { node: string; attribution: AttributionTier; listeners: ObservedListener[] }
  >();
  for (const r of await openListenersOn(db, [clusterId], [...new Set(ports)])) {
    const entry = byNode.get(r.node) ?? { node: r.node, attribution: r.attribution, listeners: [] };
    entry.listeners.push(r.listener);
    byNode.set(r.node, entry);
  }
  return byNode;
}
