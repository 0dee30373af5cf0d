/**
 * capacity.checkFit over named clusters, up to the whole fleet, without loading any cluster: node
 * shapes are judged once (node-shapes.ts), SQL counts eligible and blocked nodes per cluster, and
 * only the first `sampleSize` blocked nodes per cluster come back with their blockers, beside
 * summaries of who blocks (workload → nodes) and why nodes are ineligible (reason → nodes).
 */
import { type SQL, sql } from "drizzle-orm";
import * as z from "zod";
import type { AttributionTier, ObservedListener } from "../../contract/listeners.js";
import { MAX_TOLERATIONS, nodeAffinitySchema, tolerationSchema } from "../../contract/snapshot.js";
import { arrayLiteral } from "../../db/bulk-insert.js";
import { rawRows } from "../../db/raw.js";
import { everyNodeOutcome, fitOutcome } from "../../domain/fit.js";
import { type ListenerBlock, undeclaredListenerBlocks } from "../../domain/listener-fit.js";
import { type HostPortRef, normaliseHostPort } from "../../domain/ports.js";
import { rangesOverlap } from "../../domain/reservation-scope.js";
import type { PlacementRules } from "../../domain/views.js";
import { type WorkloadRef, workloadOf } from "../../domain/workload.js";
import { type ClusterRow, selectClusters } from "../cluster-selection.js";
import type { ServiceContext } from "../context.js";
import {
  clusterListSchema,
  hostIpSchema,
  hostPortSchema,
  labelsSchema,
  queryProtocolSchema,
} from "../inputs.js";
import { reservationsInForce } from "../reservations-in-force.js";
import { ALL_STALE, dataAge, judgedTargets } from "../staleness.js";
import { blocker, DEFAULT_SAMPLE_SIZE } from "./blockers.js";
import { sampleSizeSchema } from "./inputs.js";
import { judgeShapes, type ShapeSql, shapeOf } from "./node-shapes.js";
import { hostNetworkHoldsOnNodes, listenedNodeSample, openListenersOn } from "./observed-listeners.js";

/** Ports one fit check asks about: a workload declares a handful. */
const MAX_FIT_PORTS = 1_000;

export const fitInput = z.object({
  clusters: clusterListSchema,
  ports: z
    .array(
      z.object({
        hostPort: hostPortSchema,
        protocol: queryProtocolSchema.optional(),
        hostIP: hostIpSchema.optional(),
      }),
    )
    .min(1)
    .max(MAX_FIT_PORTS),
  replicas: z.number().int().min(1).max(10_000).default(1),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).optional(),
  requiredNodeAffinity: nodeAffinitySchema.optional(),
  sampleSize: sampleSizeSchema.optional(),
  /** a DaemonSet: a pod on every eligible node, fitting only when none is blocked (replicas is ignored) */
  everyEligibleNode: z.boolean().optional(),
  /** count stale clusters in the verdict (else they are answered, marked, and left out of `fits`) */
  includeStale: z.boolean().optional(),
  /** the pods run on the host's network: their ports are sockets, so a listener in the way crash-loops them */
  hostNetwork: z.boolean().optional(),
});
export type FitInput = z.output<typeof fitInput>;

/**
 * Not part of the API: the workloads a manifest would replace (capacity.checkManifest). Their holds
 * never block the proposal (a rollout releases them as it replaces their pods); the answer counts
 * the nodes they hold instead.
 */
export interface FitOptions {
  self?: readonly WorkloadRef[];
}

/** `a` is held by one of `self` (a bare pod is its own workload, kind Pod), as SQL. */
function heldBySelf(self: readonly WorkloadRef[]): SQL {
  if (self.length === 0) return sql`false`;
  const rows = sql.join(
    self.map((w) => sql`(${w.namespace}::text, ${w.kind}::text, ${w.name}::text)`),
    sql`, `,
  );
  return sql`((a.namespace, coalesce(a.owner_kind, 'Pod'), coalesce(a.owner_name, a.pod)) IN (VALUES ${rows}))`;
}

/**
 * domain/ports.ts's hostPortsConflict in SQL, between allocation `a` and wanted port `w`: same port
 * and protocol, and equal IPs or either side 0.0.0.0 ("::" is an ordinary address). Stored
 * allocations are normalised at parsing (hostIP "" → 0.0.0.0, protocol "" → TCP), and so is `w`.
 * test/integration/fleet-equals-per-cluster.test.ts holds it to the domain's rule.
 */
export const conflictsWithWanted = sql.raw(`a.host_port = w.host_port AND a.protocol = w.protocol
  AND (a.host_ip = w.host_ip OR a.host_ip = '0.0.0.0' OR w.host_ip = '0.0.0.0')`);

/**
 * The open holds of the wanted ports in the scope, as rows `a`: pods' allocations and the ports
 * IngressControllers declare on the nodes they select (domain/ingress-controllers.ts; a router pod
 * holding its port there is the allocation, so nothing is counted twice). A declared hold reads as
 * held by its IngressController (owner kind IngressController, no pod or container).
 */
export function openHolds(scope: { ids: SQL; ports: SQL } | { ids: SQL; portRange: SQL }): SQL {
  const where = (t: string) => {
    const port = sql`${sql.raw(t)}.host_port`;
    const ports = "ports" in scope ? sql`${port} = ANY(${scope.ports})` : sql`${port} ${scope.portRange}`;
    return sql`${sql.raw(t)}.valid_to IS NULL AND ${ports} AND ${sql.raw(t)}.cluster_id = ANY(${scope.ids})`;
  };
  return sql`(SELECT p.cluster_id, p.node, p.namespace, p.pod, p.owner_kind, p.owner_name, p.container,
                     p.protocol, p.host_ip, p.host_port, p.valid_from, false AS declared
              FROM port_allocations p WHERE ${where("p")}
              UNION ALL
              SELECT d.cluster_id, d.node, d.namespace, '' AS pod, 'IngressController' AS owner_kind,
                     d.name AS owner_name, '' AS container, d.protocol, d.host_ip, d.host_port, d.valid_from,
                     true AS declared
              FROM declared_port_versions d WHERE ${where("d")})`;
}

function wantedTable(wanted: readonly HostPortRef[]): SQL {
  return sql`SELECT * FROM unnest(${arrayLiteral(wanted.map((p) => p.protocol))}::text[],
    ${arrayLiteral(wanted.map((p) => p.hostIP))}::text[],
    ${arrayLiteral(wanted.map((p) => p.hostPort))}::int[]) AS w(protocol, host_ip, host_port)`;
}

interface Scope {
  ids: SQL;
  ports: SQL;
  wanted: SQL;
  /** heldBySelf for the workloads being replaced */
  self: SQL;
  /** rows (cluster_id, node) where an observed listener blocks a wanted port (observed-listeners.ts) */
  listened: SQL;
}

function listenedTable(pairs: readonly { clusterId: number; node: string }[]): SQL {
  return sql`SELECT * FROM unnest(${arrayLiteral(pairs.map((p) => p.clusterId))}::int[],
    ${arrayLiteral(pairs.map((p) => p.node))}::text[]) AS l(cluster_id, node)`;
}

interface ShapeCount {
  cluster_id: number;
  /** jsonb text */
  shape: string;
  nodes: number;
  blocked: number;
  /** nodes holding a conflicting port of the workloads being replaced, and none of another's */
  own_free: number;
  /** nodes holding a conflicting port of the workloads being replaced */
  own: number;
  /** nodes with no listener report: what they listen on is not known */
  unobserved: number;
}

/**
 * Per cluster and node shape: how many nodes, how many hold an allocation in the way, and how many
 * hold the replaced workloads' own (which are not in the way).
 */
function countByShape(ctx: ServiceContext, scope: Scope, shape: ShapeSql) {
  return rawRows<ShapeCount>(
    ctx.db,
    sql`WITH w AS (${scope.wanted}),
      held AS (
        SELECT cluster_id, node, bool_or(by_others) AS by_others, bool_or(by_self) AS by_self FROM (
          SELECT a.cluster_id, a.node, NOT ${scope.self} AS by_others, ${scope.self} AS by_self
          FROM ${openHolds(scope)} a JOIN w ON ${conflictsWithWanted}
          UNION ALL SELECT l.cluster_id, l.node, true, false FROM (${scope.listened}) l) h GROUP BY 1, 2),
      g AS (
        SELECT n.cluster_id, ${shape.columns}, count(*)::int AS nodes,
               (count(*) FILTER (WHERE b.by_others))::int AS blocked,
               (count(*) FILTER (WHERE b.by_self AND NOT b.by_others))::int AS own_free,
               (count(*) FILTER (WHERE b.by_self))::int AS own,
               (count(*) FILTER (WHERE r.node IS NULL))::int AS unobserved
        FROM node_versions n LEFT JOIN held b ON b.cluster_id = n.cluster_id AND b.node = n.name
        LEFT JOIN node_port_range_versions r
          ON r.cluster_id = n.cluster_id AND r.node = n.name AND r.valid_to IS NULL
        WHERE n.valid_to IS NULL AND n.cluster_id = ANY(${scope.ids})
        GROUP BY 1, 2, 3, 4, 5, 6)
      SELECT g.cluster_id, ${shape.json}::text AS shape, g.nodes, g.blocked, g.own_free, g.own, g.unobserved FROM g`,
  );
}

interface BlockerRow {
  cluster_id: number;
  node: string;
  namespace: string;
  pod: string;
  owner_kind: string | null;
  owner_name: string | null;
  container: string;
  protocol: string;
  host_ip: string;
  host_port: number;
  valid_from_ms: number;
  declared: boolean;
}

interface WorkloadRow {
  cluster_id: number;
  namespace: string;
  owner_kind: string | null;
  owner_name: string | null;
  /** only for pods without an owner: they are their own workload */
  pod: string | null;
  nodes: number;
  total: number;
}

/**
 * The conflicting allocations on eligible nodes: the shape is computed only for the nodes holding
 * such an allocation, not for every node.
 */
function eligibleBlockers(scope: Scope, shape: ShapeSql, eligibleShapes: readonly string[]): SQL {
  return sql`w AS (${scope.wanted}),
    blockers AS (
      SELECT a.cluster_id, a.node, a.namespace, a.pod, a.owner_kind, a.owner_name, a.container, a.protocol,
             a.host_ip, a.host_port, (extract(epoch FROM a.valid_from) * 1000)::float8 AS valid_from_ms, a.declared
      FROM ${openHolds(scope)} a
      JOIN node_versions n ON n.cluster_id = a.cluster_id AND n.name = a.node AND n.valid_to IS NULL
      CROSS JOIN LATERAL (SELECT ${shape.columns}) g
      WHERE EXISTS (SELECT 1 FROM w WHERE ${conflictsWithWanted}) AND NOT ${scope.self}
        AND ${shape.json} IN (SELECT value FROM jsonb_array_elements(${`[${eligibleShapes.join(",")}]`}::jsonb)))`;
}

/** The first `size` blocked eligible nodes per cluster (byte order), each with all its blockers. */
function sampleBlocked(ctx: ServiceContext, blockers: SQL, size: number) {
  return rawRows<BlockerRow>(
    ctx.db,
    sql`WITH ${blockers},
      ranked AS (
        SELECT cluster_id, node, row_number() OVER (PARTITION BY cluster_id ORDER BY node COLLATE "C") AS rank
        FROM (SELECT DISTINCT cluster_id, node FROM blockers) d)
      SELECT b.* FROM blockers b JOIN ranked r ON r.cluster_id = b.cluster_id AND r.node = b.node
      WHERE r.rank <= ${size}
      ORDER BY b.cluster_id, b.node COLLATE "C", b.host_port, b.protocol, b.host_ip COLLATE "C",
               b.namespace COLLATE "C", b.pod COLLATE "C", b.container COLLATE "C"`,
  );
}

/** Per cluster, the workloads in the way on most nodes first, at most `size` of them. */
function blockingWorkloads(ctx: ServiceContext, blockers: SQL, size: number) {
  return rawRows<WorkloadRow>(
    ctx.db,
    sql`WITH ${blockers},
      per_workload AS (
        SELECT cluster_id, namespace, owner_kind, owner_name,
               CASE WHEN owner_name IS NULL THEN pod END AS pod, count(DISTINCT node)::int AS nodes
        FROM blockers GROUP BY 1, 2, 3, 4, 5),
      ranked AS (
        SELECT *, row_number() OVER (PARTITION BY cluster_id ORDER BY nodes DESC, namespace COLLATE "C",
                    owner_kind COLLATE "C", owner_name COLLATE "C", pod COLLATE "C") AS rank,
               count(*) OVER (PARTITION BY cluster_id)::int AS total
        FROM per_workload)
      SELECT cluster_id, namespace, owner_kind, owner_name, pod, nodes, total FROM ranked
      WHERE rank <= ${size} ORDER BY cluster_id, rank`,
  );
}

interface ClusterCounts {
  eligible: number;
  /** eligible nodes with no listener report */
  unobserved: number;
  blocked: number;
  /** eligible nodes not blocked by others where the replaced workloads hold the ports */
  ownOnFitting: number;
  /** any nodes where they hold them */
  own: number;
  ineligible: number;
  reasons: Map<string, number>;
}

function tally(counts: ShapeCount[], verdicts: ReturnType<typeof judgeShapes>) {
  const byCluster = new Map<number, ClusterCounts>();
  for (const row of counts) {
    let c = byCluster.get(row.cluster_id);
    if (!c) {
      c = {
        eligible: 0,
        unobserved: 0,
        blocked: 0,
        ownOnFitting: 0,
        own: 0,
        ineligible: 0,
        reasons: new Map(),
      };
      byCluster.set(row.cluster_id, c);
    }
    c.own += row.own;
    const verdict = verdicts.get(row.shape);
    if (verdict?.eligible) {
      c.eligible += row.nodes;
      c.unobserved += row.unobserved;
      c.blocked += row.blocked;
      c.ownOnFitting += row.own_free;
      continue;
    }
    c.ineligible += row.nodes;
    for (const reason of verdict?.reasons ?? [])
      c.reasons.set(reason, (c.reasons.get(reason) ?? 0) + row.nodes);
  }
  return byCluster;
}

/** Most nodes first, at most `size`; `more` counts the rest. */
function topReasons(reasons: Map<string, number> | undefined, size: number) {
  const all = [...(reasons ?? [])]
    .map(([reason, nodes]) => ({ reason, nodes }))
    .sort((a, b) => b.nodes - a.nodes || (a.reason < b.reason ? -1 : 1));
  return { items: all.slice(0, size), more: Math.max(0, all.length - size) };
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

function sampleOf(rows: readonly BlockerRow[] | undefined) {
  const byNode = new Map<string, ReturnType<typeof blocker>[]>();
  for (const r of rows ?? []) {
    const shown = blocker({
      node: r.node,
      namespace: r.namespace,
      pod: r.pod,
      ownerKind: r.owner_kind,
      ownerName: r.owner_name,
      container: r.container,
      protocol: r.protocol,
      hostIP: r.host_ip,
      hostPort: r.host_port,
      validFrom: new Date(r.valid_from_ms),
      declared: r.declared,
    });
    const list = byNode.get(r.node);
    if (list) list.push(shown);
    else byNode.set(r.node, [shown]);
  }
  return [...byNode].map(([node, blockers]) => ({ node, blockers }));
}

function workloadsOf(rows: readonly WorkloadRow[] | undefined) {
  const items = (rows ?? []).map((r) => ({
    ...workloadOf({
      namespace: r.namespace,
      pod: r.pod ?? "",
      ownerKind: r.owner_kind,
      ownerName: r.owner_name,
    }),
    nodes: r.nodes,
  }));
  return { items, more: Math.max(0, (rows?.[0]?.total ?? 0) - items.length) };
}

interface ListenedNode {
  clusterId: number;
  node: string;
  blocks: ListenerBlock[];
}

/**
 * The nodes of `ids` where an observed listener blocks one of `wanted` (listener-fit.ts), read from
 * the open listeners on those ports only.
 */
async function listenerBlockedNodes(
  ctx: ServiceContext,
  ids: readonly number[],
  wanted: readonly HostPortRef[],
  hostNetwork: boolean,
): Promise<ListenedNode[]> {
  const rows = await openListenersOn(ctx.db, ids, [...new Set(wanted.map((p) => p.hostPort))]);
  const byNode = new Map<
    string,
    { clusterId: number; node: string; attribution: AttributionTier; listeners: ObservedListener[] }
  >();
  for (const r of rows) {
    const key = `${r.clusterId}|${r.node}`;
    const entry = byNode.get(key) ?? {
      clusterId: r.clusterId,
      node: r.node,
      attribution: r.attribution,
      listeners: [],
    };
    entry.listeners.push(r.listener);
    byNode.set(key, entry);
  }
  // A socket some hostNetwork pod on its node declares is that pod's: to any other workload its
  // allocation already blocks by the scheduler's rule (the SQL holds), and to the workload it belongs
  // to it is released as the rollout replaces the pod — never a listener in the way of itself.
  const holds = groupBy(
    await hostNetworkHoldsOnNodes(ctx.db, [...byNode.values()], [...new Set(wanted.map((p) => p.hostPort))]),
    (a) => `${a.clusterId}|${a.node}`,
  );
  const blocked: ListenedNode[] = [];
  for (const [key, n] of byNode) {
    const blocks = undeclaredListenerBlocks(wanted, hostNetwork, n, holds.get(key) ?? []);
    if (blocks.length > 0) blocked.push({ clusterId: n.clusterId, node: n.node, blocks });
  }
  return blocked;
}

/** Each listed node's shape (node-shapes.ts), keyed "clusterId|node", to judge its eligibility. */
async function shapesOfNodes(ctx: ServiceContext, nodes: readonly ListenedNode[], shape: ShapeSql) {
  if (nodes.length === 0) return new Map<string, string>();
  const rows = await rawRows<{ cluster_id: number; name: string; shape: string }>(
    ctx.db,
    sql`SELECT n.cluster_id, n.name, ${shape.json}::text AS shape
        FROM node_versions n CROSS JOIN LATERAL (SELECT ${shape.columns}) g
        WHERE n.valid_to IS NULL AND (n.cluster_id, n.name) IN (${listenedTable(nodes)})`,
  );
  return new Map(rows.map((r) => [`${r.cluster_id}|${r.name}`, r.shape]));
}

export async function fitCheck(ctx: ServiceContext, input: FitInput, options: FitOptions = {}) {
  const selected = await selectClusters(ctx.db, { clusters: input.clusters });
  const size = input.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const wanted = input.ports.map((p) =>
    normaliseHostPort({ hostPort: p.hostPort, protocol: p.protocol ?? "TCP", hostIP: p.hostIP ?? "" }),
  );
  const rules: PlacementRules = {
    ...(input.nodeSelector ? { nodeSelector: input.nodeSelector } : {}),
    ...(input.tolerations ? { tolerations: input.tolerations } : {}),
    ...(input.requiredNodeAffinity ? { requiredNodeAffinity: input.requiredNodeAffinity } : {}),
  };
  const listened = await listenerBlockedNodes(
    ctx,
    selected.map((c) => c.id),
    wanted,
    input.hostNetwork === true,
  );
  const scope: Scope = {
    listened: listenedTable(listened),
    ids: sql`${arrayLiteral(selected.map((c) => c.id))}::int[]`,
    ports: sql`${arrayLiteral([...new Set(wanted.map((p) => p.hostPort))])}::int[]`,
    wanted: wantedTable(wanted),
    self: heldBySelf(options.self ?? []),
  };
  const shape = shapeOf(rules);
  const counts = await countByShape(ctx, scope, shape);
  const verdicts = judgeShapes(
    counts.map((c) => c.shape),
    rules,
  );
  const byCluster = tally(counts, verdicts);
  const eligibleShapes = [...verdicts].filter(([, v]) => v.eligible).map(([text]) => text);
  const anyBlocked = [...byCluster.values()].some((c) => c.blocked > 0);
  const blockers = eligibleBlockers(scope, shape, eligibleShapes);
  const [samples, workloads, inForce, listenedShapes] = await Promise.all([
    anyBlocked ? sampleBlocked(ctx, blockers, size) : [],
    anyBlocked ? blockingWorkloads(ctx, blockers, size) : [],
    reservationsInForce(ctx, selected),
    shapesOfNodes(ctx, listened, shape),
  ]);
  const listenedBy = groupBy(
    listened.filter((l) => verdicts.get(listenedShapes.get(`${l.clusterId}|${l.node}`) ?? "")?.eligible),
    (l) => l.clusterId,
  );
  const samplesBy = groupBy(samples, (r) => r.cluster_id);
  const workloadsBy = groupBy(workloads, (r) => r.cluster_id);
  const answerFor = (cluster: ClusterRow) => {
    const c = byCluster.get(cluster.id);
    const eligible = c?.eligible ?? 0;
    const blocked = c?.blocked ?? 0;
    const outcome = input.everyEligibleNode
      ? everyNodeOutcome(eligible, eligible - blocked)
      : fitOutcome(input.replicas, eligible - blocked);
    const reasons = topReasons(c?.reasons, size);
    const blocking = workloadsOf(workloadsBy.get(cluster.id));
    const age = dataAge(ctx, cluster, input.includeStale);
    return {
      cluster: cluster.name,
      stale: age.stale,
      /** registered, never pushed: nothing to judge, never in the verdict */
      noPushYet: age.noPushYet,
      /** seconds since the cluster's last push: how old the data this answer reads is */
      silentForSeconds: age.silentForSeconds,
      lastSeenAt: age.lastSeenAt,
      /** false: no push yet, or stale and left out of the verdict (includeStale counts it) */
      inVerdict: age.judgeable,
      fits: outcome.fits,
      verdict: outcome.verdict,
      replicas: input.everyEligibleNode ? eligible : input.replicas,
      eligibleNodes: eligible,
      fittingNodes: eligible - blocked,
      blockedNodes: blocked,
      ineligibleNodes: c?.ineligible ?? 0,
      /** nodes where the workloads a manifest replaces hold the ports (0 for a plain fit check) */
      ownNodes: c?.own ?? 0,
      /** fitting nodes among them: a new pod gets one only once the rollout removes the old pod */
      ownOnFittingNodes: c?.ownOnFitting ?? 0,
      blockedSample: sampleOf(samplesBy.get(cluster.id)),
      /** eligible nodes where an observed listener blocks a wanted port (counted in blockedNodes too) */
      listenerBlockedNodes: listenedBy.get(cluster.id)?.length ?? 0,
      listenerBlockedSample: (listenedBy.get(cluster.id) ?? []).slice(0, size).map(listenedNodeSample),
      /** eligible nodes with no listener report: taken as free, though what they listen on is unknown */
      unobservedEligibleNodes: c?.unobserved ?? 0,
      blockingWorkloads: blocking.items,
      moreBlockingWorkloads: blocking.more,
      ineligibleReasons: reasons.items,
      moreIneligibleReasons: reasons.more,
      headroomAfter: outcome.headroomAfter,
      statusAfter: outcome.statusAfter,
      reservations: inForce
        .covering(cluster)
        .filter((r) =>
          wanted.some(
            (p) =>
              p.protocol === r.protocol && rangesOverlap(r, { portFrom: p.hostPort, portTo: p.hostPort }),
          ),
        )
        .map((r) => ({
          id: r.id,
          protocol: r.protocol,
          portFrom: r.portFrom,
          portTo: r.portTo,
          owner: r.owner,
          purpose: r.purpose,
        })),
    };
  };
  const results = selected.map(answerFor);
  const { judged, stale } = judgedTargets(ctx, selected, input.includeStale);
  const counted = results.filter((r) => r.inVerdict);
  return {
    // Every target stale and left out is no verdict, so not a pass: a gate must not wave it through.
    fits: judged.length > 0 && counted.every((r) => r.fits),
    verdict: judged.length === 0 ? ALL_STALE : null,
    staleClusters: stale,
    clusters: results,
  };
}
