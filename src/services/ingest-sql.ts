/**
 * The statements of a push: reading open fingerprints, ending intervals (by id or by natural key),
 * and the log row with the cluster's new clock. Several updates travel as one statement
 * (data-modifying CTEs): each statement is a round trip and a socket write.
 */
import { type SQL, sql } from "drizzle-orm";
import { arrayLiteral, type InsertBatch, insertStatements } from "../db/bulk-insert.js";
import { inlineParams } from "../db/inline-sql.js";
import { rawRows } from "../db/raw.js";
import { podTemplates } from "../db/schema/index.js";
import { naturalKey } from "../db/schema/versioned.js";
import type { Db } from "../db/types.js";
import type { OpenRow } from "../domain/history.js";
import type { ListenerTally } from "../domain/listener-tally.js";
import type { PodTemplate } from "../domain/pod-templates.js";
import { factKey, type HistoryTable, historyTables, type PerTable, perTable } from "./history-tables.js";

/**
 * Awaits statements pipelined on one connection (or transaction). A failure is the first one's in
 * their order: the statements behind a failed one fail only because its transaction is aborted, and
 * their answers may settle first (a refused lock is `429 PUSH_IN_PROGRESS`, not the read behind it).
 */
export async function pipelined<const T extends readonly unknown[]>(
  statements: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(statements);
  for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** Open (id, fp) of the given history tables of a cluster (all by default), in one statement. */
export async function openRows(
  tx: Db,
  clusterId: number,
  tables: readonly HistoryTable[] = historyTables,
): Promise<PerTable<OpenRow[]>> {
  // A row's table travels as its position in the registry (`t`); float8 so both drivers answer a
  // number (ids stay far below 2^53).
  const parts = tables.map(
    (h) =>
      sql`SELECT ${sql.raw(String(historyTables.indexOf(h)))} AS t, id::float8 AS id, fp FROM ${h.table} WHERE cluster_id = ${clusterId} AND valid_to IS NULL`,
  );
  const byTable = perTable<OpenRow[]>(() => []);
  if (parts.length === 0) return byTable;
  const rows = await rawRows<{ t: number; id: number; fp: string }>(
    tx,
    inlineParams(sql.join(parts, sql` UNION ALL `)),
  );
  for (const row of rows) {
    const h = historyTables[row.t];
    if (h) byTable[h.name].push(row);
  }
  return byTable;
}

const at = (instant: Date) => sql`${instant.toISOString()}::timestamptz`;

/** Rows one UPDATE ends at most: a statement's time on the embedded database holds the event loop. */
export const IDS_PER_UPDATE = 500;
/** Updates of a push that travel as one statement; a push with more runs them one by one. */
export const UPDATES_PER_STATEMENT = 8;

/** Ends rows by id, per table, at most IDS_PER_UPDATE per update. */
export function closeByIds(closes: Partial<PerTable<readonly number[]>>, instant: Date): SQL[] {
  const updates: SQL[] = [];
  for (const { name, table } of historyTables) {
    const ids = closes[name] ?? [];
    for (let start = 0; start < ids.length; start += IDS_PER_UPDATE) {
      const chunk = ids.slice(start, start + IDS_PER_UPDATE);
      updates.push(
        sql`UPDATE ${table} SET valid_to = ${at(instant)} WHERE id = ANY(${`{${chunk.join(",")}}`}::bigint[])`,
      );
    }
  }
  return updates;
}

/** Gives rows new fingerprints by id, per table: see adoptLegacyFingerprints. */
export function rewriteFingerprints(rewrites: Partial<PerTable<readonly OpenRow[]>>): SQL[] {
  const updates: SQL[] = [];
  for (const { name, table } of historyTables) {
    const rows = rewrites[name] ?? [];
    if (rows.length === 0) continue;
    updates.push(
      sql`UPDATE ${table} SET fp = v.fp FROM unnest(${`{${rows.map((r) => r.id).join(",")}}`}::bigint[], ${arrayLiteral(rows.map((r) => r.fp))}::text[]) AS v(id, fp) WHERE ${table}.id = v.id`,
    );
  }
  return updates;
}

/**
 * Ends open rows by natural key (the open-key indexes find them), per table: what a delta changes.
 * The key's values are read from the facts that end, one array per key column.
 */
export function closeByKeys(
  clusterId: number,
  closes: Partial<PerTable<readonly object[]>>,
  instant: Date,
  /** as a part of writeIfAdmitted: only if admitted, returning a row per row ended */
  gated = false,
): SQL[] {
  const updates: SQL[] = [];
  for (const h of historyTables) {
    const facts = (closes[h.name] ?? []) as readonly Record<string, unknown>[];
    if (facts.length === 0) continue;
    const key = naturalKey(h.table).map(({ property, column }) => ({
      column,
      values: arrayLiteral(facts.map((fact) => fact[factKey(h, property)])),
    }));
    const arrays = sql.join(
      key.map(({ column, values }) => sql`${values}::text[]::${sql.raw(column.getSQLType())}[]`),
      sql`, `,
    );
    const keyNames = key.map((_, i) => `k${i}`);
    const matches = sql.join(
      key.map(({ column }, i) => sql`${h.table}.${sql.identifier(column.name)} = ${sql.raw(`k.k${i}`)}`),
      sql` AND `,
    );
    // Driven from the keys: each is one probe of the open-key index. As `(key) IN (SELECT … unnest)`
    // the planner scanned the cluster's open rows and re-read the arrays for each of them when its
    // statistics were young (a new cluster's first minutes): 3.7 ms for 10 allocations of 709.
    updates.push(
      sql`UPDATE ${h.table} SET valid_to = ${at(instant)}
            FROM unnest(${arrays}) AS ${sql.raw(`k(${keyNames.join(", ")})`)}
            WHERE ${h.table}.cluster_id = ${clusterId} AND ${h.table}.valid_to IS NULL
            AND ${matches}${gated ? admittedOnly : sql``}`,
    );
  }
  return updates;
}

/** The end of an UPDATE that is a part of writeIfAdmitted. */
const admittedOnly = sql` AND EXISTS (SELECT 1 FROM admitted) RETURNING 1`;

/**
 * A projection's diff in SQL, as a part of writeIfAdmitted: its open rows whose fingerprint is not
 * among `facts` end; the facts whose fingerprint is not among its open rows (as they were before the
 * statement) begin. The same as diffIntervals over the open rows, without reading them first.
 */
export function projectionDiff(
  clusterId: number,
  h: HistoryTable,
  facts: readonly { fp: string }[],
  instant: Date,
): { close: SQL; insert: InsertBatch } {
  const fps = arrayLiteral(facts.map((fact) => fact.fp));
  const open = sql`${h.table} AS o WHERE o.cluster_id = ${clusterId} AND o.valid_to IS NULL`;
  return {
    close: sql`UPDATE ${h.table} SET valid_to = ${at(instant)} WHERE cluster_id = ${clusterId} AND valid_to IS NULL
            AND fp <> ALL(${fps}::text[])${admittedOnly}`,
    insert: {
      table: h.table,
      rows: facts,
      constants: { clusterId, validFrom: instant },
      ...("aliases" in h ? { aliases: h.aliases } : {}),
      where: sql`NOT EXISTS (SELECT 1 FROM ${open} AND o.fp = u.fp)`,
    },
  };
}

/**
 * The templates of the pod versions a push inserts (distinct: a statement may not meet a row twice),
 * beside them in the same statement or transaction. One already stored is not written but locked
 * (DO UPDATE … WHERE false locks the row it conflicts with): the retention prune deletes a template
 * only under its own lock and after re-checking, in a later snapshot, that no pod version refers to
 * it (history-prune.ts), so it never deletes one a push is about to refer to.
 */
export function podTemplateInsert(clusterId: number, templates: readonly PodTemplate[]): InsertBatch {
  return {
    table: podTemplates,
    rows: templates,
    constants: { clusterId },
    onConflict: sql`ON CONFLICT (cluster_id, fp) DO UPDATE SET node_selector = EXCLUDED.node_selector WHERE false`,
  };
}

/** Runs updates as one statement; none, nothing. */
export async function runUpdates(tx: Db, updates: SQL[]): Promise<void> {
  const last = updates.pop();
  if (!last) return;
  const ctes = updates.map((update, i) => sql`${sql.raw(`c${i}`)} AS (${update})`);
  await tx.execute(inlineParams(ctes.length > 0 ? sql`WITH ${sql.join(ctes, sql`, `)} ${last}` : last));
}

/**
 * Runs updates one statement each, in order, pausing between them: a large push's closes, which
 * the caller awaits before issuing its inserts (the open-key indexes must never see two versions).
 */
export async function runUpdatesPausing(tx: Db, updates: SQL[], pause: () => Promise<void>): Promise<void> {
  for (const update of updates) {
    await tx.execute(inlineParams(update));
    await pause();
  }
}

export interface LoggedPush {
  clusterId: number;
  observedAt: Date;
  receivedAt: string;
  hash: string;
  /**
   * whether `hash` is a delta's claim rather than derived by the server from a whole state;
   * "previous" for an unchanged delta, which leaves the state (and what is known of its hash) as it was
   */
  hashClaimed: boolean | "previous";
  changed: boolean;
  agent: { version: string; mode: string } | undefined;
  /** the state's sizes; "previous" for an unchanged delta, which does not know them (the last log row does) */
  counts: { nodes: number; pods: number; allocations: number } | "previous";
  opened: number;
  closed: number;
  /** the cluster's new port summary, when it was recomputed */
  portSummary: unknown[] | null;
  /** its observed nodes and undeclared listeners (/metrics), when the state changed; null keeps them */
  listeners: ListenerTally | null;
}

/** The log row (INSERT, as CTE `logged`), written only when `gate` (a condition) holds. */
function loggedCte(push: LoggedPush, gate: SQL): SQL {
  const { clusterId } = push;
  // The last log row may have been pruned: then the open rows are counted.
  const previous = (column: string, table: string) =>
    sql`COALESCE((SELECT ${sql.raw(column)} FROM snapshots WHERE id = (SELECT last_snapshot_id FROM clusters WHERE id = ${clusterId})),
                 (SELECT count(*)::int FROM ${sql.raw(table)} WHERE cluster_id = ${clusterId} AND valid_to IS NULL))`;
  const counts =
    push.counts === "previous"
      ? {
          nodes: previous("node_count", "node_versions"),
          pods: previous("pod_count", "pod_versions"),
          allocations: previous("allocation_count", "port_allocations"),
        }
      : {
          nodes: sql`${push.counts.nodes}`,
          pods: sql`${push.counts.pods}`,
          allocations: sql`${push.counts.allocations}`,
        };
  return sql`logged AS (
          INSERT INTO snapshots (cluster_id, observed_at, received_at, hash, changed, agent_version, agent_mode,
                                 node_count, pod_count, allocation_count, opened, closed)
          SELECT ${clusterId}, ${push.observedAt.toISOString()}::timestamptz, ${push.receivedAt}::timestamptz, ${push.hash},
                  ${bool(push.changed)}, ${push.agent?.version ?? null}, ${push.agent?.mode ?? null},
                  ${counts.nodes}, ${counts.pods}, ${counts.allocations},
                  ${push.opened}, ${push.closed}
          WHERE ${gate}
          RETURNING id)`;
}

// Booleans as literals: postgres.js serialises a parameter it knows is boolean by `=== true`, so
// the text 'true' would be stored as false on PostgreSQL (PGlite parses it).
const bool = (value: boolean) => sql.raw(value ? "true" : "false");

/** The cluster's new clock from the `logged` row (none logged, nothing updated); answers the log row's id. */
function clusterClock(push: LoggedPush): SQL {
  return sql`UPDATE clusters SET
          last_seen_at = ${push.receivedAt}::timestamptz,
          last_observed_at = ${push.observedAt.toISOString()}::timestamptz,
          last_snapshot_hash = ${push.hash},
          last_hash_claimed = ${push.hashClaimed === "previous" ? sql`last_hash_claimed` : bool(push.hashClaimed)},
          last_snapshot_id = logged.id,
          snapshots_accepted = snapshots_accepted + 1,
          snapshots_changed = snapshots_changed + ${push.changed ? 1 : 0},
          port_summary = COALESCE(${push.portSummary ? JSON.stringify(push.portSummary) : null}::jsonb, port_summary),
          observed_nodes = COALESCE(${push.listeners?.observedNodes ?? null}::int, observed_nodes),
          undeclared_listeners = COALESCE(${push.listeners?.undeclaredListeners ?? null}::int, undeclared_listeners)
        FROM logged WHERE clusters.id = ${push.clusterId}
        RETURNING logged.id::float8 AS id`;
}

/** The log row and the cluster's new clock, in one statement; answers the log row's id. */
export async function logPush(tx: Db, push: LoggedPush): Promise<number> {
  const [row] = await rawRows<{ id: number }>(
    tx,
    inlineParams(sql`WITH ${loggedCte(push, sql`true`)} ${clusterClock(push)}`),
  );
  if (!row) throw new Error("snapshot log insert returned no row");
  return row.id;
}

/** The cluster row as a push sees it under its lock (ingest.ts admit decides from it). */
export interface LockedCluster {
  /** epoch ms of the last accepted observedAt (timestamps as numbers: the drivers parse dates differently) */
  last_observed_ms: number | null;
  last_snapshot_hash: string | null;
  /** last_snapshot_hash is a changed delta's claim, not derived by the server from a whole state */
  last_hash_claimed: boolean;
  last_snapshot_id: number | null;
  removed: boolean;
  /** the cluster's current agent token is still the one the push authenticated with */
  token_valid: boolean;
}

/** The columns of LockedCluster, from `clusters`. */
export const lockedColumns = (tokenHash: string) =>
  sql`(extract(epoch FROM last_observed_at) * 1000)::float8 AS last_observed_ms, last_snapshot_hash,
          last_hash_claimed, last_snapshot_id::float8 AS last_snapshot_id, removed_at IS NOT NULL AS removed,
          token_hash IS NOT DISTINCT FROM ${tokenHash} AS token_valid`;

/**
 * A push written in ONE statement without a transaction of its own (a statement is atomic): the
 * cluster row locked (NOWAIT), and only if the push is admitted (the token still the cluster's, the
 * cluster not removed, observedAt after the last, `base` the last state hash) its closes, its
 * inserts, the log row and the cluster's new clock. The closes finish before any insert starts (the
 * inserts read their count), so the open-key indexes never see two open versions of one key: a row
 * this statement ended counts as gone for the unique check. Answers the row as it was under the lock
 * (the caller's verdict, identical to the statement's condition) and the log row's id if written.
 */
export async function writeIfAdmitted(
  db: Db,
  push: {
    tokenHash: string;
    base: string;
    /** UPDATEs built with `gated` (closeByKeys, closeProjections) */
    closes: SQL[];
    inserts: readonly InsertBatch[];
    log: LoggedPush;
  },
): Promise<{ cluster: LockedCluster | undefined; snapshotId: number | null }> {
  const { clusterId, observedAt } = push.log;
  const closes = push.closes.map((update, i) => sql`${sql.raw(`c${i}`)} AS (${update})`);
  const closed =
    closes.length > 0
      ? sql`(SELECT count(*) FROM (${sql.raw(push.closes.map((_, i) => `SELECT 1 FROM c${i}`).join(" UNION ALL "))}) AS ended)`
      : sql`0`;
  const admitted = sql`EXISTS (SELECT 1 FROM admitted)`;
  const inserts = insertStatements(
    push.inserts.map((batch) => ({
      ...batch,
      where: sql`${closed} >= 0 AND ${admitted}${batch.where ? sql` AND ${batch.where}` : sql``}`,
    })),
  ).map((insert, i) => sql`${sql.raw(`i${i}`)} AS (${insert})`);
  const [row] = await rawRows<LockedCluster & { snapshot_id: number | null }>(
    db,
    inlineParams(sql`WITH locked AS MATERIALIZED (
          SELECT ${lockedColumns(push.tokenHash)}, last_observed_at
          FROM clusters WHERE id = ${clusterId} FOR UPDATE NOWAIT),
        admitted AS MATERIALIZED (
          SELECT 1 FROM locked WHERE NOT removed AND token_valid AND last_snapshot_hash = ${push.base}
            AND (last_observed_at IS NULL OR last_observed_at < ${observedAt.toISOString()}::timestamptz)),
        ${sql.join([...closes, ...inserts, loggedCte(push.log, admitted), sql`clocked AS (${clusterClock(push.log)})`], sql`, `)}
        SELECT last_observed_ms, last_snapshot_hash, last_hash_claimed, last_snapshot_id, removed, token_valid,
          (SELECT id FROM clocked) AS snapshot_id
        FROM locked`),
  );
  if (!row) return { cluster: undefined, snapshotId: null };
  const { snapshot_id, ...cluster } = row;
  return { cluster, snapshotId: snapshot_id };
}
