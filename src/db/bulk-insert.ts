/**
 * Bulk INSERT … SELECT FROM unnest(): one text-array parameter per column instead of one parameter
 * per value, so a 100,000-row first push is a handful of statements instead of ~25 multi-row INSERTs
 * parsed with 56,000 parameters each. Arrays travel as text and are cast in SQL, which both drivers
 * (postgres.js and PGlite) handle the same way (postgres.js mis-casts bool[] and jsonb parameters).
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./types.js";

const ROWS_PER_STATEMENT = 20_000;

/** One element of a PostgreSQL array literal: NULL, or a double-quoted, escaped string. */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

export function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map(arrayElement).join(",")}}`;
}

/** Inserts rows (objects keyed like the table's properties); generated identity columns are skipped. */
export async function bulkInsert(
  db: Db,
  table: PgTable,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.entries(getTableColumns(table) as Record<string, PgColumn>).filter(
    ([, column]) => !column.generatedIdentity,
  );
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const names: SQL[] = [];
    const arrays: SQL[] = [];
    for (const [key, column] of columns) {
      names.push(sql`${sql.identifier(column.name)}`);
      const literal = arrayLiteral(chunk.map((row) => row[key]));
      arrays.push(sql`${literal}::text[]::${sql.raw(column.getSQLType())}[]`);
    }
    await db.execute(
      sql`INSERT INTO ${table} (${sql.join(names, sql`, `)}) SELECT * FROM unnest(${sql.join(arrays, sql`, `)})`,
    );
  }
}
