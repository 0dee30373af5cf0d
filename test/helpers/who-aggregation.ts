/**
 * ports.who's summary as it was computed before the count projections: by aggregating every holder
 * row of the port valid at the instant. Kept here only as the reference the projection-backed summary
 * is held to (test/integration/who-trends-depth.test.ts, fleet-equals-per-cluster.test.ts).
 */
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { rawRows } from "../../src/db/raw.js";
import { clusters, portAllocations } from "../../src/db/schema/index.js";
import type { Db } from "../../src/db/types.js";
import { validAt } from "../../src/db/validity.js";
import { ownerOf } from "../../src/domain/workload.js";
import { selectedClusterIds } from "../../src/services/cluster-selection.js";

export interface WhoQuestion {
  hostPort: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  clusters?: string[];
  asOf?: string;
}

interface Row {
  kind: number;
  cluster: string | null;
  namespace: string | null;
  owner_kind: string | null;
  owner_name: string | null;
  allocations: number;
  nodes: number | null;
  clusters: number | null;
}

/** The summary without `stale` (which is the clock's, not the rows'), in the order the answer lists it. */
export async function aggregatedWhoSummary(db: Db, question: WhoQuestion) {
  const t = portAllocations;
  const asOf = question.asOf === undefined ? undefined : new Date(question.asOf);
  const where: SQL[] = [
    eq(t.hostPort, question.hostPort),
    validAt(t, asOf),
    inArray(t.clusterId, selectedClusterIds(db, { clusters: question.clusters, asOf })),
  ];
  if (question.protocol) where.push(eq(t.protocol, question.protocol));
  const rows = await rawRows<Row>(
    db,
    sql`WITH v AS (SELECT ${t.clusterId} AS cluster_id, ${t.node} AS node, ${t.namespace} AS namespace,
                          ${t.ownerKind} AS owner_kind, ${t.ownerName} AS owner_name
                   FROM ${t} WHERE ${and(...where)})
        SELECT 0 AS kind, c.name AS cluster, NULL::text AS namespace, NULL::text AS owner_kind,
               NULL::text AS owner_name, count(*)::int AS allocations, count(DISTINCT v.node)::int AS nodes,
               NULL::int AS clusters
        FROM v JOIN ${clusters} c ON c.id = v.cluster_id GROUP BY c.name
        UNION ALL
        SELECT 1, NULL, namespace, owner_kind, owner_name, count(*)::int, NULL, count(DISTINCT cluster_id)::int
        FROM v GROUP BY namespace, owner_kind, owner_name
        ORDER BY kind, cluster, namespace, owner_name, owner_kind`,
  );
  const byCluster = rows
    .filter((r) => r.kind === 0)
    .map((r) => ({ cluster: r.cluster ?? "", allocations: r.allocations, nodes: r.nodes ?? 0 }));
  return {
    total: byCluster.reduce((sum, c) => sum + c.allocations, 0),
    byCluster,
    byWorkload: rows
      .filter((r) => r.kind === 1)
      .map((r) => ({
        namespace: r.namespace ?? "",
        allocations: r.allocations,
        clusters: r.clusters ?? 0,
        owner: ownerOf({ ownerKind: r.owner_kind, ownerName: r.owner_name }),
      })),
  };
}
