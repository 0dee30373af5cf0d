/**
 * clusters.attention: what needs attention in the fleet now, most urgent first (src/domain/attention.ts),
 * each kind read as its few worst rows and its total from what is kept small or indexed — the open
 * unscheduled pods (pod_versions_open_unscheduled_idx), the open headroom rows, the clusters' own
 * columns (last push, undeclared listeners counted at ingest) — never a cluster's whole state, so
 * its cost follows the trouble and the number of clusters, not the fleet's pods.
 */
import { sql } from "drizzle-orm";
import * as z from "zod";
import { rawRows } from "../db/raw.js";
import { clusters, headroomVersions, podVersions } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { type AttentionItem, type AttentionKind, rankAttention } from "../domain/attention.js";
import { HOST_PORT_FAILURE_PATTERN } from "../domain/conflicts.js";
import type { DeclaredPort } from "../domain/history.js";
import type { ServiceContext } from "./context.js";
import { freshWhere } from "./staleness.js";

export const MAX_ATTENTION_TOP = 50;
export const attentionInput = z
  .object({ top: z.number().int().min(1).max(MAX_ATTENTION_TOP).default(10) })
  .default({ top: 10 });

type Lists = Map<AttentionKind, { items: AttentionItem[]; total: number }>;

const iso = (value: Date | string) => new Date(value).toISOString();

/** Open unscheduled pods by cluster and owner, the host-port conflicts apart: each side's worst `top`. */
async function pendingPods(db: Db, top: number, lists: Lists) {
  const p = podVersions;
  const rows = await rawRows<{
    cluster: string;
    namespace: string;
    ownerKind: string;
    ownerName: string;
    conflict: boolean;
    pods: number;
    since: Date | string;
    ports: DeclaredPort[];
    total: number;
  }>(
    db,
    sql`WITH pending AS (
          SELECT ${p.clusterId} AS cluster_id, ${p.namespace} AS namespace,
                 coalesce(${p.ownerKind}, 'Pod') AS owner_kind, coalesce(${p.ownerName}, ${p.name}) AS owner_name,
                 ${p.validFrom} AS since, ${p.ports} AS ports,
                 coalesce(${p.schedulingMessage} ~* ${HOST_PORT_FAILURE_PATTERN}, false) AS conflict
          FROM ${p} WHERE ${p.validTo} IS NULL AND ${p.node} IS NULL
            AND ${p.clusterId} IN (SELECT c.id FROM ${clusters} c WHERE c.removed_at IS NULL)
        ), grouped AS (
          SELECT cluster_id, namespace, owner_kind, owner_name, conflict, count(*)::int AS pods,
                 min(since) AS since, (array_agg(ports ORDER BY since))[1] AS ports
          FROM pending GROUP BY cluster_id, namespace, owner_kind, owner_name, conflict
        ), ranked AS (
          SELECT g.*, (SELECT c.name FROM ${clusters} c WHERE c.id = g.cluster_id) AS cluster,
                 count(*) OVER (PARTITION BY conflict)::int AS total,
                 row_number() OVER (PARTITION BY conflict ORDER BY pods DESC, since, cluster_id, namespace, owner_name) AS rank
          FROM grouped g
        )
        SELECT cluster, namespace, owner_kind AS "ownerKind", owner_name AS "ownerName", conflict, pods, since,
               ports, total
        FROM ranked WHERE rank <= ${top} ORDER BY conflict DESC, rank`,
  );
  for (const kind of ["conflict", "pending"] as const) {
    const mine = rows.filter((r) => r.conflict === (kind === "conflict"));
    lists.set(kind, {
      total: mine[0]?.total ?? 0,
      items: mine.map((r) => ({
        kind,
        cluster: r.cluster,
        namespace: r.namespace,
        ownerKind: r.ownerKind,
        ownerName: r.ownerName,
        pods: r.pods,
        ports: uniquePorts(r.ports),
        since: iso(r.since),
      })),
    });
  }
}

function uniquePorts(ports: readonly DeclaredPort[]) {
  const seen = new Map<string, { hostPort: number; protocol: string }>();
  for (const { hostPort, protocol } of ports) seen.set(`${hostPort}/${protocol}`, { hostPort, protocol });
  return [...seen.values()].sort((a, b) => a.hostPort - b.hostPort);
}

/** Workloads with no headroom (no node left to place one more) or low headroom, least first. */
async function headroomShort(db: Db, top: number, lists: Lists) {
  const h = headroomVersions;
  const rows = await rawRows<{
    cluster: string;
    namespace: string;
    ownerKind: string;
    ownerName: string;
    headroom: number;
    pending: number;
    status: string;
    total: number;
  }>(
    db,
    sql`SELECT cluster, namespace, "ownerKind", "ownerName", headroom, pending, status, total FROM (
          SELECT c.name AS cluster, ${h.namespace} AS namespace, ${h.kind} AS "ownerKind", ${h.name} AS "ownerName",
                 ${h.headroom} AS headroom, ${h.pending} AS pending, ${h.status} AS status,
                 count(*) OVER (PARTITION BY ${h.status})::int AS total,
                 row_number() OVER (PARTITION BY ${h.status}
                   ORDER BY ${h.headroom}, ${h.pending} DESC, c.name, ${h.namespace}, ${h.name}) AS rank
          FROM ${h} JOIN ${clusters} c ON c.id = ${h.clusterId}
          WHERE ${h.validTo} IS NULL AND c.removed_at IS NULL AND ${h.status} IN ('none', 'low')
        ) ranked WHERE rank <= ${top} ORDER BY status, rank`,
  );
  for (const [kind, status] of [
    ["no-headroom", "none"],
    ["low-headroom", "low"],
  ] as const) {
    const mine = rows.filter((r) => r.status === status);
    lists.set(kind, {
      total: mine[0]?.total ?? 0,
      items: mine.map(({ status: _status, total: _total, ...r }) => ({ kind, ...r })),
    });
  }
}

/** Registered clusters silent past the threshold, longest silent first. */
async function staleClusters(ctx: ServiceContext, top: number, lists: Lists) {
  const rows = await rawRows<{ cluster: string; lastSeenAt: Date | string | null; total: number }>(
    ctx.db,
    sql`SELECT ${clusters.name} AS cluster, ${clusters.lastSeenAt} AS "lastSeenAt", count(*) OVER ()::int AS total
        FROM ${clusters} WHERE ${clusters.removedAt} IS NULL AND NOT (${freshWhere(ctx)})
        ORDER BY coalesce(${clusters.lastSeenAt}, ${clusters.createdAt}), ${clusters.name} LIMIT ${top}`,
  );
  lists.set("stale", {
    total: rows[0]?.total ?? 0,
    items: rows.map((r) => ({
      kind: "stale",
      cluster: r.cluster,
      lastSeenAt: r.lastSeenAt === null ? null : iso(r.lastSeenAt),
    })),
  });
}

/** Clusters whose nodes listen on ports no pod declares (counted at ingest), most first. */
async function undeclaredListeners(db: Db, top: number, lists: Lists) {
  const rows = await rawRows<{ cluster: string; listeners: number; observedNodes: number; total: number }>(
    db,
    sql`SELECT ${clusters.name} AS cluster, ${clusters.undeclaredListeners} AS listeners,
               ${clusters.observedNodes} AS "observedNodes", count(*) OVER ()::int AS total
        FROM ${clusters} WHERE ${clusters.removedAt} IS NULL AND ${clusters.undeclaredListeners} > 0
        ORDER BY ${clusters.undeclaredListeners} DESC, ${clusters.name} LIMIT ${top}`,
  );
  lists.set("undeclared-listeners", {
    total: rows[0]?.total ?? 0,
    items: rows.map(({ total: _total, ...r }) => ({ kind: "undeclared-listeners", ...r })),
  });
}

/** The fleet's `top` most urgent items now, and how many more there are. */
export async function fleetAttention(ctx: ServiceContext, input: z.output<typeof attentionInput>) {
  const lists: Lists = new Map();
  await pendingPods(ctx.db, input.top, lists);
  await headroomShort(ctx.db, input.top, lists);
  await staleClusters(ctx, input.top, lists);
  await undeclaredListeners(ctx.db, input.top, lists);
  return { at: ctx.now().toISOString(), ...rankAttention(lists, input.top) };
}
