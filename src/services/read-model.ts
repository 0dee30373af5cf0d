/**
 * The read model: how every read service finds clusters and what it reads about one. Per-cluster
 * questions load one ClusterView (a cluster's nodes, pods and allocations at an instant); fleet
 * questions select clusters here but read only the rows their answer needs (see capacity's fleet
 * modules), never every cluster's view.
 */
import { and, asc, eq, gt, isNull, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { arrayLiteral } from "../db/bulk-insert.js";
import { rawRows } from "../db/raw.js";
import {
  clusters,
  declaredPortVersions,
  ingressControllerVersions,
  nodeVersions,
  podVersions,
  portAllocations,
  reservations,
} from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import { declaredMapFacts } from "../domain/ingress-controllers.js";
import type { MapAllocation, PortMapFacts } from "../domain/port-map.js";
import { type ClusterIdentity, type ReservationScope, scopeCovers } from "../domain/reservation-scope.js";
import type { ClusterView, PodView } from "../domain/views.js";
import type { ServiceContext } from "./context.js";
import { notFound } from "./errors.js";

export interface ClusterRow {
  id: number;
  name: string;
  labels: Record<string, string>;
  createdAt: Date;
  lastSeenAt: Date | null;
  lastObservedAt: Date | null;
  removedAt: Date | null;
}

/**
 * Silent past the threshold. A cluster that never pushed has been silent since its registration, so
 * a new agent gets the full threshold before its cluster is reported stale.
 */
export function isStale(ctx: ServiceContext, cluster: Pick<ClusterRow, "createdAt" | "lastSeenAt">): boolean {
  const silentSince = cluster.lastSeenAt ?? cluster.createdAt;
  return ctx.now().getTime() - silentSince.getTime() > ctx.config.staleAfterSeconds * 1000;
}

/** Agent clock minus server clock at receipt, in seconds: positive when the agent runs fast. */
export function clockSkewSeconds(observedAt: Date | null, receivedAt: Date | null): number | null {
  if (!observedAt || !receivedAt) return null;
  return (observedAt.getTime() - receivedAt.getTime()) / 1000;
}

const clusterRowColumns = {
  id: clusters.id,
  name: clusters.name,
  labels: clusters.labels,
  createdAt: clusters.createdAt,
  lastSeenAt: clusters.lastSeenAt,
  lastObservedAt: clusters.lastObservedAt,
  removedAt: clusters.removedAt,
};

export interface ClusterSelection {
  clusters?: string[] | undefined;
  labelSelector?: Record<string, string> | undefined;
  /** as of a past time, clusters removed since then are still part of the fleet */
  asOf?: Date | undefined;
}

/**
 * The selection as a condition on `clusters`. Names travel as one array parameter, so no selection,
 * however large, runs into PostgreSQL's 65,535-parameter limit.
 */
export function selectionWhere(selection: ClusterSelection): SQL | undefined {
  const conditions = [
    selection.asOf
      ? sql`(${clusters.removedAt} IS NULL OR ${clusters.removedAt} > ${selection.asOf.toISOString()})`
      : isNull(clusters.removedAt),
  ];
  if (selection.labelSelector && Object.keys(selection.labelSelector).length > 0) {
    conditions.push(sql`${clusters.labels} @> ${JSON.stringify(selection.labelSelector)}::jsonb`);
  }
  if (selection.clusters) {
    conditions.push(sql`${clusters.name} = ANY(${arrayLiteral(selection.clusters)}::text[])`);
  }
  return and(...conditions);
}

/** The selected clusters' ids as a subquery, for `cluster_id IN (…)` filters of any fleet size. */
export function selectedClusterIds(db: Db, selection: ClusterSelection) {
  return db.select({ id: clusters.id }).from(clusters).where(selectionWhere(selection));
}

/**
 * Clusters selected by names and/or a label selector (equality); none given means the whole fleet.
 * Every named cluster must be part of the selection (the same rule as findCluster), else NOT_FOUND.
 */
export async function selectClusters(db: Db, selection: ClusterSelection): Promise<ClusterRow[]> {
  const rows = await db
    .select(clusterRowColumns)
    .from(clusters)
    .where(selectionWhere(selection))
    .orderBy(clusters.name);
  if (!selection.clusters) return rows;
  const byName = new Map(rows.map((r) => [r.name, r]));
  return selection.clusters.map((name) => {
    const row = byName.get(name);
    if (!row) throw notFound(`cluster "${name}"`);
    return row;
  });
}

/**
 * A page of the selection by name, after the cursor (the last name of the previous page): what
 * fleet answers that must read each cluster's state take a bounded number of clusters at a time by.
 */
export async function selectClusterPage(
  db: Db,
  selection: ClusterSelection,
  page: { after?: string | undefined; limit: number },
) {
  const rows = await db
    .select(clusterRowColumns)
    .from(clusters)
    .where(
      and(selectionWhere(selection), page.after === undefined ? undefined : gt(clusters.name, page.after)),
    )
    .orderBy(clusters.name)
    .limit(page.limit + 1);
  return pageByName(rows, page.limit);
}

/** A page out of `limit + 1` rows read by name, and the cursor to the rest (null when none is left). */
export function pageByName<T extends { name: string }>(rows: readonly T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? last.name : null };
}

/**
 * One cluster by name, with one rule for removed clusters: a question about now finds only a
 * registered cluster; a question as of a past instant finds the cluster as it was then (removed
 * since is fine, removed before is NOT_FOUND).
 */
export async function findCluster(db: Db, name: string, at: { asOf?: Date | undefined } = {}) {
  const [row] = await selectClusters(db, { clusters: [name], asOf: at.asOf });
  if (!row) throw notFound(`cluster "${name}"`);
  return row;
}

/** The instant a view of the cluster shows: asOf, or for "now" its latest accepted observation. */
export function viewInstant(cluster: Pick<ClusterRow, "lastObservedAt">, asOf: Date | undefined) {
  return (asOf ?? cluster.lastObservedAt)?.toISOString() ?? null;
}

/** A cluster's nodes (by name), pods and allocations valid at asOf (now when omitted). */
export async function loadClusterView(db: Db, at: { cluster: ClusterRow; asOf?: Date | undefined }) {
  const id = at.cluster.id;
  const [nodes, allocations, pods] = await Promise.all([
    db
      .select()
      .from(nodeVersions)
      .where(and(eq(nodeVersions.clusterId, id), validAt(nodeVersions, at.asOf)))
      .orderBy(nodeVersions.name),
    db
      .select()
      .from(portAllocations)
      .where(and(eq(portAllocations.clusterId, id), validAt(portAllocations, at.asOf))),
    db
      .select()
      .from(podVersions)
      .where(and(eq(podVersions.clusterId, id), validAt(podVersions, at.asOf))),
  ]);
  const view = {
    cluster: at.cluster,
    nodes,
    pods,
    allocations: allocations.map(({ hostIp, ...a }) => ({ ...a, hostIP: hostIp })),
  };
  return view satisfies ClusterView & { cluster: ClusterRow };
}

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

/**
 * What a cluster's port map reads at asOf, and no more: the nodes' placement facts, the allocations'
 * map columns and, of the pods, the lowest-named pod of each workload (whose rules decide where the
 * workload may go, see buildPortMap) and the hostNetwork pods that declare no ports (they listen on
 * ports the scheduler cannot see): their count and the first `undeclaredSample` by namespace and name.
 * One scan of the pods answers both; rows come raw, as drizzle's mapping cost more than the queries.
 * Names are DNS-1123 (lowercase ASCII), so "C" order is JavaScript's `<` and localeCompare's alike.
 */
export async function loadPortMapFacts(
  db: Db,
  at: { cluster: ClusterRow; asOf?: Date | undefined },
  undeclaredSample: number,
  /** only the allocations of these host ports (a page of the map): omitted, every port */
  hostPorts?: readonly number[],
) {
  const id = at.cluster.id;
  const ofPorts = (column: PgColumn) =>
    hostPorts === undefined ? sql`TRUE` : sql`${column} = ANY(${arrayLiteral(hostPorts)}::int[])`;
  const a = portAllocations;
  const p = podVersions;
  // In the same Promise.all as the other reads: one more round trip in the same pipeline, and a
  // failure of any read is handled once (a promise started outside it would reject unobserved when
  // another read fails first, and an unhandled rejection ends the process).
  const [nodes, allocations, podRows, declared] = await Promise.all([
    db
      .select({
        name: nodeVersions.name,
        labels: nodeVersions.labels,
        unschedulable: nodeVersions.unschedulable,
        ready: nodeVersions.ready,
        taints: nodeVersions.taints,
      })
      .from(nodeVersions)
      .where(and(eq(nodeVersions.clusterId, id), validAt(nodeVersions, at.asOf)))
      .orderBy(nodeVersions.name),
    rawRows<MapAllocation>(
      db,
      sql`SELECT ${a.node} AS "node", ${a.namespace} AS "namespace", ${a.pod} AS "pod",
                 ${a.ownerKind} AS "ownerKind", ${a.ownerName} AS "ownerName", ${a.protocol} AS "protocol",
                 ${a.hostIp} AS "hostIP", ${a.hostPort} AS "hostPort"
          FROM ${a} WHERE ${a.clusterId} = ${id} AND ${validAt(a, at.asOf)} AND ${ofPorts(a.hostPort)}`,
    ),
    rawRows<PortMapPodRow>(
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
                 ${p.nodeSelector} AS "nodeSelector", ${p.tolerations} AS "tolerations",
                 ${p.requiredNodeAffinity} AS "requiredNodeAffinity", NULL::int AS "total"
          FROM ${p} WHERE ${p.id} IN (SELECT id FROM deciders)
          UNION ALL
          (SELECT 'undeclared', namespace, name, node, owner_kind, owner_name, NULL, NULL, NULL, NULL
           FROM pods WHERE undeclared
           ORDER BY namespace COLLATE "C", name COLLATE "C" LIMIT ${undeclaredSample})
          UNION ALL
          SELECT 'count', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*)::int FROM pods WHERE undeclared`,
    ),
    loadDeclaredMapFacts(db, at, ofPorts),
  ]);
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
  const facts = {
    nodes,
    allocations: declared.allocations.length > 0 ? [...allocations, ...declared.allocations] : allocations,
    pods: declared.pods.length > 0 ? [...pods, ...declared.pods] : pods,
  } satisfies PortMapFacts;
  return { ...facts, undeclared };
}

/** IngressControllers' declared ports and placements at the instant, as port map facts. */
async function loadDeclaredMapFacts(
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

export type StoredClusterView = Awaited<ReturnType<typeof loadClusterView>>;
export type StoredAllocation = StoredClusterView["allocations"][number];
export type StoredPod = StoredClusterView["pods"][number];

type ReservationRow = typeof reservations.$inferSelect;

/** How a stored reservation's scope reads: an empty selector is none. */
export const scopeOf = (row: {
  clusterNames: string[];
  labelSelector: Record<string, string> | null;
}): ReservationScope => ({
  clusterNames: row.clusterNames,
  labelSelector: row.labelSelector && Object.keys(row.labelSelector).length > 0 ? row.labelSelector : null,
});

/** Reservations in force at `at`: expired ones stop counting. */
export async function activeReservations(db: Db, at: Date): Promise<ReservationRow[]> {
  return db
    .select()
    .from(reservations)
    .where(or(isNull(reservations.expiresAt), gt(reservations.expiresAt, at)))
    .orderBy(asc(reservations.protocol), asc(reservations.portFrom));
}

/**
 * Reservations in force now that cover any of the given clusters: what free-range search skips and
 * checkFit warns about. One query for all clusters; `covering(cluster)` narrows it per cluster.
 */
export async function reservationsInForce(ctx: ServiceContext, selected: readonly ClusterIdentity[]) {
  const rows = (await activeReservations(ctx.db, ctx.now())).filter((r) =>
    selected.some((c) => scopeCovers(scopeOf(r), c)),
  );
  return {
    all: rows,
    covering: (cluster: ClusterIdentity) => rows.filter((r) => scopeCovers(scopeOf(r), cluster)),
  };
}
