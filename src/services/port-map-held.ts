/**
 * What a page of a cluster's port map reads (ports.map, reports.portMap): the holds of the page's ports
 * grouped in SQL per key (distinct holder nodes as one array) and per key and workload (distinct pods),
 * the nodes' placement facts and the deciding pods, instead of one row per allocation built in
 * JavaScript. IngressControllers' declared holds count as holds of their controller, as in the map.
 */
import { type SQL, sql } from "drizzle-orm";
import { arrayLiteral } from "../db/bulk-insert.js";
import { rawRows } from "../db/raw.js";
import { declaredPortVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import type { HeldKey, HeldKeyWorkload, HeldPortFacts } from "../domain/port-map-held.js";
import type { ClusterRow } from "./cluster-selection.js";
import { loadDeclaredMapFacts, loadMapNodes, loadMapPods } from "./port-map-facts.js";

interface GroupRow {
  kind: "key" | "workload";
  hostPort: number;
  protocol: string;
  hostIP: string;
  namespace: string | null;
  workloadKind: string | null;
  workloadName: string | null;
  holders: string[] | string | null;
  pods: number | null;
}

/** PGlite hands a text[] over as an array; a driver without the type parser would give '{a,b}'. */
function holderArray(value: GroupRow["holders"]): string[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === "{}") return [];
  // Node names are DNS subdomains: no quotes, commas or braces to unescape.
  return value.slice(1, -1).split(",");
}

/** The holds of the ports at the instant, grouped per key and per key and workload. */
async function loadHeldGroups(db: Db, at: { clusterId: number; asOf?: Date | undefined }, ports: SQL) {
  const a = portAllocations;
  const d = declaredPortVersions;
  const rows = await rawRows<GroupRow>(
    db,
    sql`WITH holds AS MATERIALIZED (
          SELECT ${a.node} AS node, ${a.namespace} AS namespace, ${a.pod} AS pod,
                 coalesce(${a.ownerKind}, 'Pod') AS kind, coalesce(${a.ownerName}, ${a.pod}) AS name,
                 ${a.protocol} AS protocol, ${a.hostIp} AS host_ip, ${a.hostPort} AS host_port
          FROM ${a} WHERE ${a.clusterId} = ${at.clusterId} AND ${validAt(a, at.asOf)} AND ${a.hostPort} = ANY(${ports})
          UNION ALL
          SELECT ${d.node}, ${d.namespace}, '', 'IngressController', ${d.name}, ${d.protocol}, ${d.hostIp}, ${d.hostPort}
          FROM ${d} WHERE ${d.clusterId} = ${at.clusterId} AND ${validAt(d, at.asOf)} AND ${d.hostPort} = ANY(${ports})
        )
        SELECT 'key' AS "kind", host_port AS "hostPort", protocol AS "protocol", host_ip AS "hostIP",
               NULL::text AS "namespace", NULL::text AS "workloadKind", NULL::text AS "workloadName",
               array_agg(DISTINCT node) AS "holders", NULL::int AS "pods"
        FROM holds GROUP BY host_port, protocol, host_ip
        UNION ALL
        SELECT 'workload', host_port, protocol, host_ip, namespace, kind, name, NULL,
               count(DISTINCT pod) FILTER (WHERE pod <> '')::int
        FROM holds GROUP BY host_port, protocol, host_ip, namespace, kind, name`,
  );
  const keys: HeldKey[] = [];
  const workloads: HeldKeyWorkload[] = [];
  for (const row of rows) {
    const key = { hostPort: Number(row.hostPort), protocol: row.protocol, hostIP: row.hostIP };
    if (row.kind === "key") keys.push({ ...key, holders: holderArray(row.holders) });
    else
      workloads.push({
        ...key,
        namespace: row.namespace ?? "",
        kind: row.workloadKind ?? "Pod",
        name: row.workloadName ?? "",
        pods: row.pods ?? 0,
      });
  }
  return { keys, workloads };
}

/**
 * The facts heldPortMapPage builds a page of rows from, for the host ports of the page: every key of
 * those ports with its holders, their workloads, the nodes and the deciding pods; and the undeclared
 * hostNetwork pods (count and the first `undeclaredSample`, loadMapPods).
 */
export async function loadHeldPortFacts(
  db: Db,
  at: { cluster: ClusterRow; asOf?: Date | undefined },
  hostPorts: readonly number[],
  undeclaredSample: number,
): Promise<HeldPortFacts & { undeclared: Awaited<ReturnType<typeof loadMapPods>>["undeclared"] }> {
  const ports = sql`${arrayLiteral(hostPorts)}::int[]`;
  // One Promise.all: a failure of any read is handled once (a promise started outside it would reject
  // unobserved when another read fails first, and an unhandled rejection ends the process).
  const [nodes, groups, mapPods, declared] = await Promise.all([
    loadMapNodes(db, at),
    hostPorts.length === 0
      ? { keys: [], workloads: [] }
      : loadHeldGroups(db, { clusterId: at.cluster.id, asOf: at.asOf }, ports),
    loadMapPods(db, at, undeclaredSample),
    // Only the controllers' placements: their declared holds are grouped in SQL above.
    loadDeclaredMapFacts(db, at, () => sql`FALSE`),
  ]);
  return {
    nodes,
    keys: groups.keys,
    workloads: groups.workloads,
    pods: declared.pods.length > 0 ? [...mapPods.pods, ...declared.pods] : mapPods.pods,
    undeclared: mapPods.undeclared,
  };
}
