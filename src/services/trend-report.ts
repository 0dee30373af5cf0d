/**
 * reports.trends: what changed in a period, from the projections and intervals, each part in SQL and
 * bounded (the first `top` rows and how many more). Nothing here loads a cluster's state: presence
 * changes read port_count_versions, headroom lows headroom_versions, conflicts the pending pods'
 * versions, clusters their own rows; the charts are trends.allocations' weighted boundary pass.
 */
import { inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import * as z from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { clusters, headroomVersions, nodeVersions, portCountVersions } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { ANY_PORT, ANY_PROTOCOL } from "../domain/port-counts.js";
import { stepCount, unknownBefore } from "../domain/time-series.js";
import {
  type Bounded,
  type ReportSeries,
  reportStep,
  type TrendReport,
} from "../domain/trend-report-content.js";
import { renderTrendReport } from "../render/trend-report.js";
import { selectedClusterIds } from "./cluster-selection.js";
import { episodesCte, portsText } from "./conflict-episodes.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { instantSchema, labelsSchema } from "./inputs.js";
import { requireRetained } from "./retention.js";
import {
  allocationAndPodCounts,
  clusterScope,
  firstObservation,
  type Range,
  removedAt,
} from "./trend-counts.js";
import { eventsIn, MAX_TREND_EVENTS } from "./trend-events.js";

/** The longest period a report covers. */
export const MAX_REPORT_DAYS = 400;
/** Rows per list; the rest is counted ("and K more"). */
export const MAX_REPORT_TOP = 50;
/** Ports charted beside the whole scope's allocations. */
export const REPORT_TOP_PORTS = 5;

export const trendReportInput = z.object({
  from: instantSchema,
  /** default: now */
  to: instantSchema.optional(),
  cluster: clusterNameSchema.optional(),
  selector: labelsSchema.optional(),
  format: z.enum(["markdown", "html"]).default("markdown"),
  top: z.number().int().min(1).max(MAX_REPORT_TOP).default(10),
});
export type TrendReportInput = z.output<typeof trendReportInput>;

const contentTypes = { markdown: "text/markdown; charset=utf-8", html: "text/html; charset=utf-8" } as const;

type Instant = Date | string | null;
const iso = (v: Instant) => (v === null ? null : new Date(v).toISOString());

/** Rows ranked by `rn` within their group, with the group's size in `total`. */
function bounded<T>(rows: readonly (T & { total: number })[], top: number): Bounded<T> {
  const total = rows[0]?.total ?? 0;
  const items = rows.slice(0, top).map(({ total: _, ...row }) => row as unknown as T);
  return { items, more: Math.max(0, total - items.length) };
}

interface Ctx {
  db: Db;
  range: Range;
  top: number;
  inScope: (clusterId: PgColumn) => SQL;
}

const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/**
 * Keys (`key`) held at the end of the period and not at its start, or the reverse, from the
 * count rows of one level overlapping the period: "appeared" carries the first start inside the
 * period, "vanished" the last end. A removed cluster's open rows end at its removal.
 */
async function presenceChanges<Row>(c: Ctx, level: SQL, key: { select: SQL; group: SQL }, order: SQL) {
  const t = portCountVersions;
  const from = at(c.range.from);
  const to = at(c.range.to);
  const rows = await rawRows<Row & { change: "appeared" | "vanished"; at: Instant; total: number }>(
    c.db,
    sql`WITH r AS (
          SELECT ${t.clusterId} AS cluster_id, ${t.hostPort} AS host_port, ${t.protocol} AS protocol,
                 ${t.namespace} AS namespace, ${t.kind} AS kind, ${t.name} AS name, ${t.validFrom} AS f,
                 coalesce(${t.validTo}, ${removedAt(t.clusterId)}) AS t
          FROM ${t}
          WHERE ${level} AND ${c.inScope(t.clusterId)} AND ${t.validFrom} <= ${to}
            AND (${t.validTo} IS NULL OR ${t.validTo} > ${from})
        ), keyed AS (
          SELECT ${key.select},
                 bool_or(f <= ${from} AND (t IS NULL OR t > ${from})) AS at_start,
                 bool_or(f <= ${to} AND (t IS NULL OR t > ${to})) AS at_end,
                 min(f) FILTER (WHERE f > ${from}) AS first_start,
                 max(t) FILTER (WHERE t <= ${to}) AS last_end
          FROM r GROUP BY ${key.group}
        ), changed AS (
          SELECT keyed.*, CASE WHEN at_end THEN 'appeared' ELSE 'vanished' END AS change,
                 CASE WHEN at_end THEN first_start ELSE last_end END AS at
          FROM keyed WHERE at_start <> at_end
        ), ranked AS (
          SELECT changed.*, row_number() OVER (PARTITION BY change ORDER BY ${order}) AS rn,
                 count(*) OVER (PARTITION BY change)::int AS total
          FROM changed
        )
        SELECT ranked.*, (SELECT cl.name FROM clusters cl WHERE cl.id = ranked.cluster_id) AS cluster
        FROM ranked WHERE rn <= ${c.top} ORDER BY change, rn`,
  );
  const pick = (change: "appeared" | "vanished") =>
    bounded(
      rows.filter((r) => r.change === change).map((r) => ({ ...r, at: iso(r.at) })),
      c.top,
    );
  return { appeared: pick("appeared"), vanished: pick("vanished") };
}

async function portChanges(c: Ctx) {
  const t = portCountVersions;
  const level = sql`${t.hostPort} <> ${ANY_PORT} AND ${t.protocol} <> ${ANY_PROTOCOL}`;
  type PortRow = { cluster?: string; host_port: number; protocol: string; at: string | null };
  const shape = (list: Bounded<PortRow>, withCluster: boolean) => ({
    more: list.more,
    items: list.items.map((p) => ({
      ...(withCluster && p.cluster !== undefined ? { cluster: p.cluster } : {}),
      hostPort: p.host_port,
      protocol: p.protocol,
      at: p.at,
    })),
  });
  const fleet = await presenceChanges<PortRow>(
    c,
    level,
    { select: sql`NULL::int AS cluster_id, host_port, protocol`, group: sql`host_port, protocol` },
    sql`host_port, protocol`,
  );
  const byCluster = await presenceChanges<PortRow>(
    c,
    level,
    { select: sql`cluster_id, host_port, protocol`, group: sql`cluster_id, host_port, protocol` },
    sql`(SELECT cl.name FROM clusters cl WHERE cl.id = cluster_id) COLLATE "C", host_port, protocol`,
  );
  return {
    fleet: { appeared: shape(fleet.appeared, false), vanished: shape(fleet.vanished, false) },
    byCluster: { appeared: shape(byCluster.appeared, true), vanished: shape(byCluster.vanished, true) },
  };
}

async function workloadChanges(c: Ctx) {
  const t = portCountVersions;
  type Row = { cluster: string; namespace: string; kind: string; name: string; at: string | null };
  const changes = await presenceChanges<Row>(
    c,
    sql`${t.hostPort} = ${ANY_PORT} AND ${t.protocol} = ${ANY_PROTOCOL}`,
    { select: sql`cluster_id, namespace, kind, name`, group: sql`cluster_id, namespace, kind, name` },
    sql`(SELECT cl.name FROM clusters cl WHERE cl.id = cluster_id) COLLATE "C", namespace COLLATE "C", kind COLLATE "C", name COLLATE "C"`,
  );
  const shape = (list: Bounded<Row>) => ({
    more: list.more,
    items: list.items.map(({ cluster, namespace, kind, name, at }) => ({
      cluster,
      namespace,
      kind,
      name,
      at,
    })),
  });
  return { started: shape(changes.appeared), stopped: shape(changes.vanished) };
}

/** Clusters registered or removed in the period, and the registered ones silent past the threshold now. */
async function clusterChanges(ctx: ServiceContext, c: Ctx) {
  const from = at(c.range.from);
  const to = at(c.range.to);
  const scoped = c.inScope(clusters.id);
  const list = async (where: SQL, column: SQL) => {
    const rows = await rawRows<{ name: string; at: Instant; total: number }>(
      c.db,
      sql`SELECT ${clusters.name} AS name, ${column} AS at, count(*) OVER ()::int AS total
          FROM ${clusters} WHERE ${where} AND ${scoped}
          ORDER BY ${column}, ${clusters.name} COLLATE "C" LIMIT ${c.top}`,
    );
    return bounded(
      rows.map((r) => ({ ...r, at: iso(r.at) })),
      c.top,
    );
  };
  // Added when first observed, if its history starts before its registration (an agent replaying
  // or importing history, the demo's 30 days): its first node's valid_from, by the as-of index.
  const firstObserved = sql`(SELECT min(nv.valid_from) FROM ${nodeVersions} nv WHERE nv.cluster_id = ${clusters.id})`;
  const addedAt = sql`least(${clusters.createdAt}, ${firstObserved})`;
  const added = await list(sql`${addedAt} > ${from} AND ${addedAt} <= ${to}`, addedAt);
  const removed = await list(
    sql`${clusters.removedAt} > ${from} AND ${clusters.removedAt} <= ${to}`,
    sql`${clusters.removedAt}`,
  );
  const silentSince = at(new Date(ctx.now().getTime() - ctx.config.staleAfterSeconds * 1000));
  const silent = await list(
    sql`${clusters.removedAt} IS NULL AND coalesce(${clusters.lastSeenAt}, ${clusters.createdAt}) < ${silentSince}`,
    sql`${clusters.lastSeenAt}`,
  );
  return {
    added: { more: added.more, items: added.items.map((r) => ({ name: r.name, at: r.at ?? "" })) },
    removed: { more: removed.more, items: removed.items.map((r) => ({ name: r.name, at: r.at ?? "" })) },
    silent: { more: silent.more, items: silent.items.map((r) => ({ name: r.name, lastSeenAt: r.at })) },
  };
}

/** Each workload's lowest headroom in the period and the first instant it stood there; lowest first. */
async function headroomLows(c: Ctx) {
  const h = headroomVersions;
  const from = at(c.range.from);
  const to = at(c.range.to);
  const rows = await rawRows<{
    cluster: string;
    namespace: string;
    kind: string;
    name: string;
    lowest: number;
    at: Instant;
    status: string;
    total: number;
  }>(
    c.db,
    sql`WITH lows AS (
          SELECT DISTINCT ON (${h.clusterId}, ${h.namespace}, ${h.kind}, ${h.name})
                 ${h.clusterId} AS cluster_id, ${h.namespace} AS namespace, ${h.kind} AS kind, ${h.name} AS name,
                 ${h.headroom} AS lowest, greatest(${h.validFrom}, ${from}) AS at, ${h.status} AS status
          FROM ${h}
          WHERE ${c.inScope(h.clusterId)} AND ${h.validFrom} <= ${to} AND (${h.validTo} IS NULL OR ${h.validTo} > ${from})
          ORDER BY ${h.clusterId}, ${h.namespace}, ${h.kind}, ${h.name}, ${h.headroom}, ${h.validFrom}
        )
        SELECT cl.name AS cluster, lows.namespace, lows.kind, lows.name, lows.lowest, lows.at, lows.status,
               count(*) OVER ()::int AS total
        FROM lows JOIN clusters cl ON cl.id = lows.cluster_id
        ORDER BY lows.lowest, cl.name COLLATE "C", lows.namespace COLLATE "C", lows.kind COLLATE "C", lows.name COLLATE "C"
        LIMIT ${c.top}`,
  );
  return bounded(
    rows.map((r) => ({ ...r, at: iso(r.at) ?? "" })),
    c.top,
  );
}

/** The conflict episodes (conflict-episodes.ts), longest first; one still pending at the end lasts until it. */
async function conflictEpisodes(c: Ctx) {
  const from = at(c.range.from);
  const to = at(c.range.to);
  const rows = await rawRows<{
    cluster: string;
    namespace: string;
    pod: string;
    ports: { hostPort: number; protocol: string }[];
    since: Instant;
    until: Instant;
    seconds: number;
    total: number;
  }>(
    c.db,
    sql`WITH ${episodesCte(c.inScope, from, to)}
        SELECT cl.name AS cluster, e.namespace, e.pod, e.ports, e.since, e.until,
               extract(epoch FROM (coalesce(e.until, ${to}) - e.since))::float8 AS seconds,
               count(*) OVER ()::int AS total
        FROM episodes e JOIN clusters cl ON cl.id = e.cluster_id
        ORDER BY seconds DESC, cl.name COLLATE "C", e.namespace COLLATE "C", e.pod COLLATE "C"
        LIMIT ${c.top}`,
  );
  return bounded(
    rows.map((r) => ({
      cluster: r.cluster,
      namespace: r.namespace,
      pod: r.pod,
      ports: portsText(r.ports),
      since: iso(r.since) ?? "",
      until: iso(r.until),
      seconds: Number(r.seconds),
      total: r.total,
    })),
    c.top,
  );
}

/** The whole scope's allocations, and those of the ports held longest (allocation·seconds) in the period. */
async function allocationCharts(c: Ctx, step: number) {
  const t = portCountVersions;
  const range = { ...c.range, step };
  const steps = stepCount(c.range.from, c.range.to, step);
  // Every series is the scope's: unknown (null) before the scope's first observation, not zero.
  const first = await firstObservation(c.db, c.inScope);
  const series = async (name: string, level: SQL): Promise<ReportSeries> => {
    const { allocations } = await allocationAndPodCounts(
      c.db,
      sql`${level} AND ${c.inScope(t.clusterId)}`,
      range,
      steps,
    );
    return { name, points: unknownBefore(allocations, first) };
  };
  const fleet = await series(
    "all host ports",
    sql`${t.hostPort} = ${ANY_PORT} AND ${t.protocol} = ${ANY_PROTOCOL}`,
  );
  const from = at(c.range.from);
  const to = at(c.range.to);
  const top = await rawRows<{ host_port: number }>(
    c.db,
    sql`SELECT ${t.hostPort} AS host_port FROM ${t}
        WHERE ${t.hostPort} <> ${ANY_PORT} AND ${t.protocol} = ${ANY_PROTOCOL} AND ${c.inScope(t.clusterId)}
          AND ${t.validFrom} <= ${to} AND (${t.validTo} IS NULL OR ${t.validTo} > ${from})
        GROUP BY ${t.hostPort}
        ORDER BY sum(${t.allocations} * extract(epoch FROM (least(coalesce(${t.validTo}, ${removedAt(t.clusterId)}, ${to}), ${to}) - greatest(${t.validFrom}, ${from})))) DESC,
                 ${t.hostPort}
        LIMIT ${REPORT_TOP_PORTS}`,
  );
  const topPorts: ReportSeries[] = [];
  for (const { host_port: port } of top)
    topPorts.push(
      await series(`port ${port}`, sql`${t.hostPort} = ${port} AND ${t.protocol} = ${ANY_PROTOCOL}`),
    );
  return { fleet, topPorts };
}

function scopeName(input: TrendReportInput): string {
  const parts: string[] = [];
  if (input.cluster) parts.push(`cluster ${input.cluster}`);
  if (input.selector && Object.keys(input.selector).length > 0)
    parts.push(
      `clusters labelled ${Object.entries(input.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")}`,
    );
  return parts.length > 0 ? parts.join(", ") : "the whole fleet";
}

export async function buildTrendReport(ctx: ServiceContext, input: TrendReportInput): Promise<TrendReport> {
  const to = input.to ?? ctx.now();
  if (to.getTime() <= input.from.getTime())
    throw new ServiceError("BAD_REQUEST", "INVALID_RANGE", "`to` must be after `from`");
  if (to.getTime() - input.from.getTime() > MAX_REPORT_DAYS * 86_400_000)
    throw new ServiceError("BAD_REQUEST", "INVALID_RANGE", `a report covers at most ${MAX_REPORT_DAYS} days`);
  requireRetained(ctx, "from", input.from);
  const step = reportStep(input.from, to);
  const range = { from: input.from, to, step };
  // The whole fleet is the clusters registered at the period's start or since (as trends read it).
  const scope =
    (await clusterScope(ctx.db, input, range)) ??
    ((id: PgColumn) => inArray(id, selectedClusterIds(ctx.db, { asOf: range.from })));
  const c: Ctx = { db: ctx.db, range, top: input.top, inScope: scope };
  return {
    from: input.from.toISOString(),
    to: to.toISOString(),
    step,
    scope: scopeName(input),
    clusters: await clusterChanges(ctx, c),
    ports: await portChanges(c),
    workloads: await workloadChanges(c),
    headroom: await headroomLows(c),
    conflicts: await conflictEpisodes(c),
    charts: await allocationCharts(c, step),
    events: await eventsIn(ctx.db, scope, range, ctx.config.staleAfterSeconds * 1000, MAX_TREND_EVENTS).then(
      (e) => ({ items: e.events, more: e.more }),
    ),
  };
}

export async function trendReport(ctx: ServiceContext, input: TrendReportInput) {
  const report = await buildTrendReport(ctx, input);
  return {
    format: input.format,
    contentType: contentTypes[input.format],
    content: renderTrendReport(report, input.format),
    report,
  };
}
