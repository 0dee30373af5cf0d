/**
 * Bulk INSERT … SELECT FROM unnest(): one text-array parameter per column instead of one parameter
 * per value, so a statement's parameters stay a few however many rows it carries, instead of
 * multi-row INSERTs parsed with 56,000 parameters each. Columns every row shares (the cluster, the
 * interval's start) travel once per statement. Arrays travel as text and are cast in SQL, which both drivers
 * (postgres.js and PGlite) handle the same way (postgres.js mis-casts bool[] and jsonb parameters).
 * Inserts into several tables share one statement (data-modifying CTEs): each statement is a round
 * trip and a socket write, which a small push pays more for than for its rows.
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { inlineParams } from "./inline-sql.js";
import type { Db } from "./types.js";

/**
 * Rows per statement. The embedded database runs each statement on the event loop's thread, so a
 * statement is kept to tens of milliseconds there; on PostgreSQL only building its text is ours.
 */
const ROWS_PER_STATEMENT = 500;

/** A value as the text PostgreSQL casts from; null for NULL. */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date
    ? value.toISOString()
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
}

/** One element of a PostgreSQL array literal: NULL, or a double-quoted, escaped string. */
function arrayElement(value: unknown): string {
  const text = textOf(value);
  if (text === null) return "NULL";
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

export function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map(arrayElement).join(",")}}`;
}

interface InsertColumn {
  key: string;
  name: SQL;
  /** e.g. `jsonb`: what a constant's text is cast to */
  type: SQL;
  /** e.g. `jsonb[]`: what the text array is cast to */
  arrayType: SQL;
}

/** Insertable columns per table, worked out once: the push path would otherwise redo it per statement. */
const insertColumns = new WeakMap<PgTable, InsertColumn[]>();

function columnsOf(table: PgTable): InsertColumn[] {
  let columns = insertColumns.get(table);
  if (!columns) {
    columns = Object.entries(getTableColumns(table) as Record<string, PgColumn>)
      .filter(([, column]) => !column.generatedIdentity)
      .map(([key, column]) => ({
        key,
        name: sql`${sql.identifier(column.name)}`,
        type: sql.raw(column.getSQLType()),
        arrayType: sql.raw(`${column.getSQLType()}[]`),
      }));
    insertColumns.set(table, columns);
  }
  return columns;
}

function insertStatement(batch: InsertBatch, rows: readonly object[]): SQL {
  const { constants = {}, aliases = {} } = batch;
  const columns = columnsOf(batch.table);
  const fixed = columns.filter((column) => column.key in constants);
  const varying = columns.filter((column) => !(column.key in constants));
  const values = fixed.map((column) => sql`${textOf(constants[column.key]) ?? null}::text::${column.type}`);
  const arrays = varying.map((column) => {
    const key = aliases[column.key] ?? column.key;
    return sql`${arrayLiteral(rows.map((row) => (row as Record<string, unknown>)[key]))}::text[]::${column.arrayType}`;
  });
  // The unnested columns carry the table's column names, so a condition can name them (u.fp).
  return sql`INSERT INTO ${batch.table} (${sql.join(
    [...fixed, ...varying].map((column) => column.name),
    sql`, `,
  )}) SELECT ${sql.join([...values, sql`u.*`], sql`, `)} FROM unnest(${sql.join(arrays, sql`, `)}) AS u(${sql.join(
    varying.map((column) => column.name),
    sql`, `,
  )})${batch.where ? sql` WHERE ${batch.where}` : sql``}${batch.onConflict ? sql` ${batch.onConflict}` : sql``}`;
}

/** One INSERT per batch (rows of a batch are not split): the parts of a statement built elsewhere. */
export const insertStatements = (batches: readonly InsertBatch[]): SQL[] =>
  batches.filter((batch) => batch.rows.length > 0).map((batch) => insertStatement(batch, batch.rows));

export interface InsertBatch {
  table: PgTable;
  /** objects keyed like the table's properties; generated identity columns are skipped */
  rows: readonly object[];
  /** columns every row shares (cluster, validFrom), sent once instead of once per row */
  constants?: Record<string, unknown>;
  /** table property → the rows' own key for it, where they differ (hostIp → hostIP) */
  aliases?: Record<string, string>;
  /** a condition on the rows (`u`, columns by their SQL names) or on other parts of the statement */
  where?: SQL;
  /** an ON CONFLICT clause (rows that may exist already: pod_templates) */
  onConflict?: SQL;
}

/**
 * Inserts rows into one or more tables, as few statements as the per-statement row bound allows.
 * Never mix in a table whose rows are being closed in the same statement: every part of one
 * statement sees the same snapshot, so the open-key index would meet both versions in either order.
 */
export async function bulkInsertMany(
  db: Db,
  batches: readonly InsertBatch[],
  /** between statements: gives the event loop a turn (services/event-loop-turns.ts) */
  pause: () => Promise<void> = async () => {},
): Promise<void> {
  let pending: SQL[] = [];
  let pendingRows = 0;
  const flush = async () => {
    const last = pending.pop();
    if (!last) return;
    const ctes = pending.map((insert, i) => sql`${sql.raw(`i${i}`)} AS (${insert})`);
    await db.execute(inlineParams(ctes.length > 0 ? sql`WITH ${sql.join(ctes, sql`, `)} ${last}` : last));
    pending = [];
    pendingRows = 0;
    await pause();
  };
  for (const batch of batches) {
    const { rows } = batch;
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      if (pendingRows + chunk.length > ROWS_PER_STATEMENT) await flush();
      pending.push(insertStatement(batch, chunk));
      pendingRows += chunk.length;
    }
  }
  await flush();
}

/** Inserts rows (objects keyed like the table's properties); generated identity columns are skipped. */
export function bulkInsert(db: Db, table: PgTable, rows: readonly object[]): Promise<void> {
  return bulkInsertMany(db, [{ table, rows }]);
}
