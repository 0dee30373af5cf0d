/**
 * ports.node's reads: one node's facts at an instant, a page of its allocations by (port, protocol,
 * host IP, id) after the cursor, its counts, and the first undeclared hostNetwork pods by name.
 */
import { and, eq, sql } from "drizzle-orm";
import { rawRows } from "../db/raw.js";
import { clusters, nodeVersions, podVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import { NODE_NAME_SAMPLE } from "../domain/port-map.js";
import { allocationColumns } from "./allocation-rows.js";
import type { ClusterRow } from "./cluster-selection.js";
import { declaresNoPorts } from "./port-map-facts.js";

/** The last allocation of the previous page, as ports.node's cursor names it. */
export interface NodePortsCursor {
  hostPort: number;
  protocol: string;
  hostIP: string;
  id: number;
}

/** The node and `limit + 1` of its allocations; undefined when the node is not there at the instant. */
export async function loadNodePorts(
  db: Db,
  at: {
    cluster: Pick<ClusterRow, "id">;
    node: string;
    asOf?: Date | undefined;
    cursor?: NodePortsCursor | undefined;
    limit: number;
  },
) {
  const [node] = await db
    .select()
    .from(nodeVersions)
    .where(
      and(
        eq(nodeVersions.clusterId, at.cluster.id),
        eq(nodeVersions.name, at.node),
        validAt(nodeVersions, at.asOf),
      ),
    );
  if (!node) return undefined;
  const a = portAllocations;
  const onNode = and(eq(a.clusterId, at.cluster.id), eq(a.node, at.node), validAt(a, at.asOf));
  const order = sql`(${a.hostPort}, ${a.protocol} COLLATE "C", ${a.hostIp} COLLATE "C", ${a.id})`;
  const after = at.cursor;
  const p = podVersions;
  const podsOnNode = and(eq(p.clusterId, at.cluster.id), eq(p.node, at.node), validAt(p, at.asOf));
  const undeclared = declaresNoPorts(p.hostNetwork, p.ports);
  const [rows, [counts], pods] = await Promise.all([
    db
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
      .limit(at.limit + 1),
    rawRows<{ allocations: number; undeclared: number }>(
      db,
      sql`SELECT (SELECT count(*)::int FROM ${a} WHERE ${onNode}) AS allocations,
                 (SELECT count(*)::int FROM ${p} WHERE ${podsOnNode} AND ${undeclared}) AS undeclared`,
    ),
    db
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
  return { node, rows, counts, pods };
}
