/**
 * What a cluster's port map reads besides its holds (ports.map, reports.portMap, ports.freeNodes; the
 * holds: port-map-held.ts): the nodes' placement facts, one deciding pod per workload, the hostNetwork
 * pods that declare no ports, and the IngressControllers' placements, instead of the whole cluster view.
 * Rows come raw, as drizzle's mapping cost more than the queries. Names are DNS-1123 (lowercase
 * ASCII), so "C" order is JavaScript's `<` and localeCompare's alike.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { podTemplateJoin } from "../db/pod-columns.js";
import { rawRows } from "../db/raw.js";
import {
  declaredPortVersions,
  ingressControllerVersions,
  nodeVersions,
  podTemplates,
  podVersions,
} from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import { declaredMapFacts } from "../domain/ingress-controllers.js";
import type { PodView } from "../domain/views.js";
import type { ClusterRow } from "./cluster-selection.js";

/**
 * A hostNetwork pod that declares no ports. The stored size decides first: a pod's port list may be
 * 10,000 entries (hundreds of KB, stored out of line), and comparing it would read all of it; an empty
 * list's jsonb takes a few bytes, any declared port far more than 16.
 */
export const declaresNoPorts = (hostNetwork: PgColumn, ports: PgColumn) =>
  sql`(${hostNetwork} AND CASE WHEN pg_column_size(${ports}) > 16 THEN false ELSE ${ports} = '[]'::jsonb END)`;

/** A pod as the port map reads it: its workload, where it runs and, for a workload's decider, its rules. */
interface PortMapPodRow extends Pick<PodView, "namespace" | "name" | "node" | "ownerKind" | "ownerName"> {
  /**
   * "decider": the lowest-named pod of its workload, with the rules; "undeclared": a pod of the
   * sample; "count": no pod, only how many undeclared pods there are in all
   */
  kind: "decider" | "undeclared" | "count";
  nodeSelector: PodView["nodeSelector"] | null;
  tolerations: PodView["tolerations"] | null;
  requiredNodeAffinity: PodView["requiredNodeAffinity"];
  total: number | null;
}

/** The cluster's nodes at the instant, with what eligibility reads, by name. */
export function loadMapNodes(db: Db, at: { cluster: ClusterRow; asOf?: Date | undefined }) {
  return db
    .select({
      name: nodeVersions.name,
      labels: nodeVersions.labels,
      unschedulable: nodeVersions.unschedulable,
      ready: nodeVersions.ready,
      taints: nodeVersions.taints,
    })
    .from(nodeVersions)
    .where(and(eq(nodeVersions.clusterId, at.cluster.id), validAt(nodeVersions, at.asOf)))
    .orderBy(nodeVersions.name);
}

/**
 * Of the cluster's pods at the instant, the lowest-named pod of each workload with its rules (whose
 * rules decide where the workload may go, see buildPortMap) and the hostNetwork pods that declare no
 * ports: their count and the first `undeclaredSample` by namespace and name. One scan answers both.
 */
export async function loadMapPods(
  db: Db,
  at: { cluster: ClusterRow; asOf?: Date | undefined },
  undeclaredSample: number,
) {
  const id = at.cluster.id;
  const p = podVersions;
  const t = podTemplates;
  const podRows = await rawRows<PortMapPodRow>(
    db,
    sql`WITH pods AS MATERIALIZED (
          SELECT ${p.id} AS id, ${p.namespace} AS namespace, ${p.name} AS name, ${p.node} AS node,
                 ${p.ownerKind} AS owner_kind, ${p.ownerName} AS owner_name,
                 ${declaresNoPorts(p.hostNetwork, p.ports)} AS undeclared
          FROM ${p} WHERE ${p.clusterId} = ${id} AND ${validAt(p, at.asOf)}
        ), deciders AS (
          SELECT DISTINCT ON (namespace, coalesce(owner_kind, 'Pod'), coalesce(owner_name, name)) id FROM pods
          ORDER BY namespace, coalesce(owner_kind, 'Pod'), coalesce(owner_name, name), name COLLATE "C"
        )
        SELECT 'decider' AS "kind", ${p.namespace} AS "namespace", ${p.name} AS "name", ${p.node} AS "node",
               ${p.ownerKind} AS "ownerKind", ${p.ownerName} AS "ownerName",
               ${t.nodeSelector} AS "nodeSelector", ${t.tolerations} AS "tolerations",
               ${t.requiredNodeAffinity} AS "requiredNodeAffinity", NULL::int AS "total"
        FROM ${p} JOIN ${t} ON ${podTemplateJoin} WHERE ${p.id} IN (SELECT id FROM deciders)
        UNION ALL
        (SELECT 'undeclared', namespace, name, node, owner_kind, owner_name, NULL, NULL, NULL, NULL
         FROM pods WHERE undeclared
         ORDER BY namespace COLLATE "C", name COLLATE "C" LIMIT ${undeclaredSample})
        UNION ALL
        SELECT 'count', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*)::int FROM pods WHERE undeclared`,
  );
  const pods = podRows
    .filter((row) => row.kind === "decider")
    .map((row) => ({
      namespace: row.namespace,
      name: row.name,
      ownerKind: row.ownerKind,
      ownerName: row.ownerName,
      nodeSelector: row.nodeSelector ?? {},
      tolerations: row.tolerations ?? [],
      requiredNodeAffinity: row.requiredNodeAffinity,
    }));
  // UNION ALL promises no order across its branches: the sample is sorted again, the way SQL did.
  const byName = (x: PortMapPodRow, y: PortMapPodRow) =>
    x.namespace < y.namespace ? -1 : x.namespace > y.namespace ? 1 : x.name < y.name ? -1 : 1;
  const sample = podRows.filter((row) => row.kind === "undeclared").sort(byName);
  const undeclared = {
    count: podRows.find((row) => row.kind === "count")?.total ?? 0,
    pods: sample.map(({ namespace, name, node, ownerKind, ownerName }) => ({
      namespace,
      name,
      node,
      ownerKind,
      ownerName,
    })),
  };
  return { pods, undeclared };
}

/** IngressControllers' declared ports and placements at the instant, as port map facts. */
export async function loadDeclaredMapFacts(
  db: Db,
  at: { cluster: ClusterRow; asOf?: Date | undefined },
  ofPorts: (column: PgColumn) => SQL,
) {
  const id = at.cluster.id;
  const d = declaredPortVersions;
  const ic = ingressControllerVersions;
  const [declared, controllers] = await Promise.all([
    db
      .select({
        node: d.node,
        namespace: d.namespace,
        name: d.name,
        protocol: d.protocol,
        hostIP: d.hostIp,
        hostPort: d.hostPort,
      })
      .from(d)
      .where(and(eq(d.clusterId, id), validAt(d, at.asOf), ofPorts(d.hostPort))),
    db
      .select({
        namespace: ic.namespace,
        name: ic.name,
        nodeSelector: ic.nodeSelector,
        tolerations: ic.tolerations,
      })
      .from(ic)
      .where(and(eq(ic.clusterId, id), validAt(ic, at.asOf))),
  ]);
  return declaredMapFacts(declared, controllers);
}
