/**
 * trends.events: what the trend charts mark in a window, for a scope (a cluster, a label selector, or
 * the fleet as it was at the window's start): conflict episodes starting and ending, IngressController
 * versions added, changed (spec, not status) or removed, clusters first observed, and clusters silent
 * past the staleness threshold by the window's end. One SQL statement, earliest first, at most `limit`
 * (≤ 200) rows; `more` counts the rest. Reads the unscheduled pods' partial index, the IngressController
 * versions and the node versions by their (cluster, valid_from) as-of indexes.
 */
import { inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import * as z from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { clusters, ingressControllerVersions, nodeVersions } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import type { TrendEvent, TrendEventKind } from "../domain/trend-events.js";
import { selectedClusterIds } from "./cluster-selection.js";
import { episodesCte, portsText } from "./conflict-episodes.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { instantSchema, labelsSchema } from "./inputs.js";
import { requireRetained } from "./retention.js";
import { clusterScope } from "./trend-counts.js";

export const MAX_TREND_EVENTS = 200;
const MAX_EVENT_DAYS = 400;

export const trendEventsInput = z.object({
  from: instantSchema,
  to: instantSchema,
  cluster: clusterNameSchema.optional(),
  selector: labelsSchema.optional(),
  limit: z.number().int().min(1).max(MAX_TREND_EVENTS).default(MAX_TREND_EVENTS),
});
export type TrendEventsInput = z.output<typeof trendEventsInput>;

export interface TrendEvents {
  events: TrendEvent[];
  /** events in the window beyond `limit` */
  more: number;
}

export async function trendEvents(ctx: ServiceContext, input: TrendEventsInput): Promise<TrendEvents> {
  if (input.to.getTime() <= input.from.getTime())
    throw new ServiceError("BAD_REQUEST", "INVALID_RANGE", "`to` must be after `from`");
  if (input.to.getTime() - input.from.getTime() > MAX_EVENT_DAYS * 86_400_000)
    throw new ServiceError("BAD_REQUEST", "INVALID_RANGE", `events cover at most ${MAX_EVENT_DAYS} days`);
  requireRetained(ctx, "from", input.from);
  const range = { from: input.from, to: input.to, step: 1 };
  const scope =
    (await clusterScope(ctx.db, input, range)) ??
    ((id: PgColumn) => inArray(id, selectedClusterIds(ctx.db, { asOf: range.from })));
  const staleMs = ctx.config.staleAfterSeconds * 1000;
  return eventsIn(ctx.db, scope, range, staleMs, input.limit);
}

const instant = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The events of a window for a scope, earliest first, bounded (shared with the period report). */
export async function eventsIn(
  db: Db,
  inScope: (clusterId: PgColumn) => SQL,
  range: { from: Date; to: Date },
  staleMs: number,
  limit: number,
): Promise<TrendEvents> {
  const from = instant(range.from);
  const to = instant(range.to);
  const ic = ingressControllerVersions;
  // the instant a cluster's last push (or its registration) became older than the threshold
  const staleAt = sql`coalesce(${clusters.lastSeenAt}, ${clusters.createdAt}) + ${staleMs} * interval '1 millisecond'`;
  const inWindow = (column: SQL) => sql`${column} > ${from} AND ${column} <= ${to}`;
  const rows = await rawRows<{
    at: Date | string;
    kind: TrendEventKind;
    cluster: string;
    subject: string | null;
    ports: { hostPort: number; protocol: string }[] | null;
    total: number;
  }>(
    db,
    sql`WITH ${episodesCte(inScope, from, to)},
        firsts AS (
          SELECT cluster_id, least(created_at, observed) AS first, observed FROM (
            SELECT ${clusters.id} AS cluster_id, ${clusters.createdAt} AS created_at,
                   (SELECT min(nv.valid_from) FROM ${nodeVersions} nv WHERE nv.cluster_id = ${clusters.id}) AS observed
            FROM ${clusters} WHERE ${inScope(clusters.id)}
          ) f
        ),
        ics AS (
          SELECT ${ic.clusterId} AS cluster_id, ${ic.namespace} || '/' || ${ic.name} AS subject,
                 ${ic.validFrom} AS f, ${ic.validTo} AS t,
                 lag(${ic.validTo}) OVER w AS prev_to, lead(${ic.validFrom}) OVER w AS next_from,
                 jsonb_build_array(${ic.replicas}, ${ic.endpointPublishingStrategy}, ${ic.hostNetwork},
                   ${ic.nodeSelector}, ${ic.tolerations}, ${ic.deployment}) AS spec,
                 lag(jsonb_build_array(${ic.replicas}, ${ic.endpointPublishingStrategy}, ${ic.hostNetwork},
                   ${ic.nodeSelector}, ${ic.tolerations}, ${ic.deployment})) OVER w AS prev_spec
          FROM ${ic}
          WHERE ${inScope(ic.clusterId)} AND ${ic.validFrom} <= ${to}
            AND (${ic.validTo} IS NULL OR ${ic.validTo} >= ${from})
          WINDOW w AS (PARTITION BY ${ic.clusterId}, ${ic.namespace}, ${ic.name} ORDER BY ${ic.validFrom})
        ),
        events AS (
          SELECT since AS at, 'conflict-started' AS kind, cluster_id, namespace || '/' || pod AS subject, ports
          FROM episodes WHERE ${inWindow(sql`since`)}
          UNION ALL
          SELECT until, 'conflict-ended', cluster_id, namespace || '/' || pod, ports
          FROM episodes WHERE until IS NOT NULL AND ${inWindow(sql`until`)}
          UNION ALL
          -- an IngressController present at its cluster's first observation is part of that event
          SELECT ics.f, 'ingress-controller-added', ics.cluster_id, subject, NULL FROM ics
          JOIN firsts ON firsts.cluster_id = ics.cluster_id
          WHERE ${inWindow(sql`ics.f`)} AND prev_to IS DISTINCT FROM ics.f
            AND ics.f > coalesce(firsts.observed, firsts.first)
          UNION ALL
          SELECT f, 'ingress-controller-changed', cluster_id, subject, NULL FROM ics
          WHERE ${inWindow(sql`f`)} AND prev_to = f AND prev_spec IS DISTINCT FROM spec
          UNION ALL
          SELECT t, 'ingress-controller-removed', cluster_id, subject, NULL FROM ics
          WHERE t IS NOT NULL AND ${inWindow(sql`t`)} AND next_from IS DISTINCT FROM t
          UNION ALL
          SELECT first, 'cluster-added', cluster_id, NULL, NULL FROM firsts WHERE ${inWindow(sql`first`)}
          UNION ALL
          -- silent by the window's end: marked when its last push became stale
          SELECT greatest(${staleAt}, ${from}), 'cluster-silent', ${clusters.id},
                 'last push ' || coalesce(to_char(${clusters.lastSeenAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'never'), NULL
          FROM ${clusters}
          WHERE ${inScope(clusters.id)} AND ${clusters.removedAt} IS NULL AND ${staleAt} <= ${to}
        )
        SELECT e.at, e.kind, cl.name AS cluster, e.subject, e.ports, count(*) OVER ()::int AS total
        FROM events e JOIN clusters cl ON cl.id = e.cluster_id
        ORDER BY e.at, e.kind, cl.name COLLATE "C", e.subject COLLATE "C"
        LIMIT ${limit}`,
  );
  const events = rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    kind: r.kind,
    cluster: r.cluster,
    subject: r.ports ? `${r.subject ?? ""} (${portsText(r.ports)})` : (r.subject ?? ""),
  }));
  return { events, more: Math.max(0, (rows[0]?.total ?? 0) - events.length) };
}
