/**
 * Deepens a freshly ingested fleet into `days` of history, in SQL, the way time-ordered pushes would
 * have written it: every pod is restarted (and renamed) every `restartHours`, staggered per pod, so about
 * 1/restartHours of the pods churn each hour; one node in twenty joined half-way (a scale-up) and one
 * in fifty was drained for four hours. The current (open) rows keep their content but start at the
 * pod's last restart. Each table is rewritten in one INSERT … SELECT ordered by valid_from, so newer
 * versions get higher ids, as they would from real pushes.
 */
import { readFileSync } from "node:fs";
import type { Sql } from "postgres";
import { historyTables, tableName } from "../../src/services/history-tables.js";

export interface DeepenOptions {
  /** the observedAt of the pushes that built the current state: history ends there */
  now: Date;
  days: number;
  restartHours?: number;
  /** the push log's heartbeat interval */
  logEveryMinutes?: number;
}

type Overrides = Record<string, string>;

/** Every column but the identity, so columns other engineers add are carried over unchanged. */
async function columnsOf(db: Sql, table: string): Promise<string[]> {
  const rows = await db<{ column_name: string }[]>`
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ${table} AND column_name <> 'id'
    ORDER BY ordinal_position`;
  return rows.map((r) => r.column_name);
}

/** Moves the ingested rows aside (fleet_cur_<table>) and empties the table for the ordered rewrite. */
async function setAside(db: Sql, table: string): Promise<void> {
  await db.unsafe(`CREATE TEMP TABLE fleet_cur_${table} AS SELECT * FROM ${table}`);
  await db.unsafe(`TRUNCATE ${table}`);
}

/** INSERT … SELECT of every generation of every set-aside row, oldest first. */
async function rewrite(
  db: Sql,
  table: string,
  overrides: Overrides,
  from: string,
  where: string,
  order: string,
): Promise<number> {
  const columns = await columnsOf(db, table);
  const select = columns.map((c) => overrides[c] ?? `c.${c}`).join(", ");
  const result = await db.unsafe(
    `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${select} ${from} WHERE ${where} ORDER BY ${order}`,
  );
  return result.count;
}

/** The hand-added backfill of `table` in a migration: the statement that inserts into it. */
function backfillOf(migration: string, table: string): string {
  const text = readFileSync(new URL(`../../migrations/${migration}`, import.meta.url), "utf8");
  const statement = text
    .split("--> statement-breakpoint")
    .find((part) => part.includes(`INSERT INTO "${table}"`));
  if (!statement) throw new Error(`migration ${migration} has no ${table} backfill`);
  return statement;
}

/**
 * The count projection as the upgrade's backfill writes it from port_allocations: the statement is
 * taken from the migration, so the bench measures the rows a real upgrade leaves.
 */
export function countBackfill(): string {
  return backfillOf("0006_port_count_versions.sql", "port_count_versions");
}

/** The per-cluster count projection (ports.who's byCluster) as migration 0007's backfill writes it. */
export function clusterCountBackfill(): string {
  return backfillOf("0007_cluster_port_count_versions.sql", "cluster_port_count_versions");
}

export async function deepenHistory(db: Sql, options: DeepenOptions): Promise<Record<string, number>> {
  const now = `'${options.now.toISOString()}'::timestamptz`;
  const start = `(${now} - interval '${options.days} days')`;
  const period = (options.restartHours ?? 72) * 3600;
  const generations = Math.ceil((options.days * 24) / (options.restartHours ?? 72)) + 1;
  const inserted: Record<string, number> = {};
  // Each rewrite sorts the whole table by valid_from: let it sort in memory where it can.
  await db.unsafe("SET work_mem = '256MB'");
  const [closed] = await db<
    { n: string }[]
  >`SELECT count(*) AS n FROM port_allocations WHERE valid_to IS NOT NULL`;
  if (Number(closed?.n) > 0)
    throw new Error("deepenHistory expects a freshly ingested fleet (no closed rows)");

  // When each node appeared: one worker in twenty joined half-way through (a scale-up).
  await db.unsafe(`CREATE TEMP TABLE fleet_node_born AS
    SELECT cluster_id, name,
      CASE WHEN abs(hashtext(cluster_id || '/' || name)::bigint) % 20 = 0 AND name LIKE 'worker-%'
           THEN ${start} + interval '${options.days * 12} hours' ELSE ${start} END AS born,
      abs(hashtext(name || '/' || cluster_id)::bigint) AS h
    FROM node_versions WHERE valid_to IS NULL`);

  // Nodes: born → now, with a four-hour drain (cordon) somewhere in the past for one node in fifty.
  await setAside(db, "node_versions");
  const drainAt = `(${start} + (b.h % 1000) * (${now} - ${start} - interval '8 hours') / 1000)`;
  inserted.node_versions = await rewrite(
    db,
    "node_versions",
    {
      unschedulable: "CASE WHEN g.k = 1 THEN true ELSE c.unschedulable END",
      fp: "CASE WHEN g.k = 0 THEN c.fp ELSE md5(c.fp || g.k) END",
      valid_from: "v.vf",
      valid_to: "v.vt",
    },
    `FROM fleet_cur_node_versions c
     JOIN fleet_node_born b ON b.cluster_id = c.cluster_id AND b.name = c.name
     CROSS JOIN LATERAL (SELECT b.born = ${start} AND b.h % 50 = 1 AS drained) d
     CROSS JOIN LATERAL generate_series(0, CASE WHEN d.drained THEN 2 ELSE 0 END) AS g(k)
     CROSS JOIN LATERAL (SELECT
       CASE WHEN NOT d.drained THEN b.born WHEN g.k = 0 THEN ${drainAt} + interval '4 hours'
            WHEN g.k = 1 THEN ${drainAt} ELSE b.born END AS vf,
       CASE WHEN g.k = 0 THEN NULL WHEN g.k = 1 THEN ${drainAt} + interval '4 hours' ELSE ${drainAt} END AS vt) v`,
    "true",
    "v.vf, c.id",
  );

  // Pods and their allocations: generation k ≥ 1 is the pod before its k-th last restart, renamed.
  const generationsOf = (nameColumn: string) => `
     LEFT JOIN fleet_node_born b ON b.cluster_id = c.cluster_id AND b.name = c.node
     CROSS JOIN LATERAL (SELECT
       (abs(hashtext(c.cluster_id || '/' || c.namespace || '/' || c.${nameColumn})::bigint) % ${period}) * interval '1 second' AS o,
       coalesce(b.born, ${start}) AS born) s
     CROSS JOIN LATERAL generate_series(0, ${generations}) AS g(k)
     CROSS JOIN LATERAL (SELECT
       greatest(s.born, ${now} - s.o - g.k * interval '${period} seconds') AS vf,
       CASE WHEN g.k = 0 THEN NULL ELSE ${now} - s.o - (g.k - 1) * interval '${period} seconds' END AS vt) v`;
  const renamed = (column: string) =>
    `CASE WHEN g.k = 0 THEN c.${column} ELSE c.${column} || '-r' || g.k END`;
  const closedFp = "CASE WHEN g.k = 0 THEN c.fp ELSE md5(c.fp || g.k) END";
  for (const [table, nameColumn] of [
    ["pod_versions", "name"],
    ["port_allocations", "pod"],
  ] as const) {
    await setAside(db, table);
    inserted[table] = await rewrite(
      db,
      table,
      { [nameColumn]: renamed(nameColumn), fp: closedFp, valid_from: "v.vf", valid_to: "v.vt" },
      `FROM fleet_cur_${table} c ${generationsOf(nameColumn)}`,
      "g.k = 0 OR v.vt > s.born",
      "v.vf, c.id",
    );
  }

  // Allocation, pod and node counts follow from the rewritten allocations.
  await db.unsafe("TRUNCATE port_count_versions, cluster_port_count_versions");
  inserted.port_count_versions = (await db.unsafe(countBackfill())).count;
  inserted.cluster_port_count_versions = (await db.unsafe(clusterCountBackfill())).count;

  // Headroom figures: a new version once a day per workload (as pod restarts re-run the computation).
  await setAside(db, "headroom_versions");
  inserted.headroom_versions = await rewrite(
    db,
    "headroom_versions",
    { fp: closedFp, valid_from: "v.vf", valid_to: "v.vt" },
    `FROM fleet_cur_headroom_versions c
     CROSS JOIN LATERAL (SELECT
       (abs(hashtext(c.cluster_id || '/' || c.namespace || '/' || c.name)::bigint) % 86400) * interval '1 second' AS o) s
     CROSS JOIN LATERAL generate_series(0, ${options.days + 1}) AS g(k)
     CROSS JOIN LATERAL (SELECT
       greatest(${start}, ${now} - s.o - g.k * interval '1 day') AS vf,
       CASE WHEN g.k = 0 THEN NULL ELSE ${now} - s.o - (g.k - 1) * interval '1 day' END AS vt) v`,
    `g.k = 0 OR v.vt > ${start}`,
    "v.vf, c.id",
  );

  // The push log: a heartbeat every few minutes, a changed state once an hour, then the real last push.
  const every = options.logEveryMinutes ?? 5;
  await setAside(db, "snapshots");
  inserted.snapshots = await rewrite(
    db,
    "snapshots",
    {
      observed_at: "t.at",
      received_at: "t.at",
      changed: `CASE WHEN t.at = c.observed_at THEN c.changed ELSE extract(minute FROM t.at) < ${every} END`,
      hash: "CASE WHEN t.at = c.observed_at THEN c.hash ELSE md5(c.hash || date_trunc('hour', t.at)) END",
      opened: "CASE WHEN t.at = c.observed_at THEN c.opened ELSE 0 END",
      closed: "CASE WHEN t.at = c.observed_at THEN c.closed ELSE 0 END",
    },
    `FROM fleet_cur_snapshots c
     CROSS JOIN LATERAL (SELECT generate_series(c.observed_at - interval '${options.days} days', c.observed_at,
       interval '${every} minutes') AS at) t`,
    "true",
    "t.at, c.id",
  );
  await db.unsafe(`UPDATE clusters SET created_at = ${start},
    snapshots_accepted = (SELECT count(*) FROM snapshots s WHERE s.cluster_id = clusters.id),
    snapshots_changed = (SELECT count(*) FROM snapshots s WHERE s.cluster_id = clusters.id AND s.changed),
    last_snapshot_id = (SELECT max(id) FROM snapshots s WHERE s.cluster_id = clusters.id)`);
  for (const table of ["node_versions", "pod_versions", "port_allocations", "headroom_versions", "snapshots"])
    await db.unsafe(`DROP TABLE fleet_cur_${table}`);
  await db.unsafe("DROP TABLE fleet_node_born");
  return inserted;
}

export interface TableCounts {
  table: string;
  open: number;
  closed: number;
}

export async function historyCounts(db: Sql): Promise<TableCounts[]> {
  const counts: TableCounts[] = [];
  for (const table of historyTables.map(tableName)) {
    // A database reused from an older schema lacks the tables added since, until the server migrates it.
    const [exists] = await db<{ found: boolean }[]>`SELECT to_regclass(${table}) IS NOT NULL AS found`;
    if (!exists?.found) continue;
    const [row] = await db.unsafe<{ open: string; closed: string }[]>(
      `SELECT count(*) FILTER (WHERE valid_to IS NULL) AS open, count(*) FILTER (WHERE valid_to IS NOT NULL) AS closed FROM ${table}`,
    );
    counts.push({ table, open: Number(row?.open ?? 0), closed: Number(row?.closed ?? 0) });
  }
  const [log] = await db<{ n: string }[]>`SELECT count(*) AS n FROM snapshots`;
  counts.push({ table: "snapshots", open: 0, closed: Number(log?.n ?? 0) });
  return counts;
}
