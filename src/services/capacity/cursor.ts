/**
 * Pages ordered by a text key (e.g. cluster, namespace, name): the cursor is the last row's key as a
 * JSON array, and the next page starts after it. Columns compare in byte order (COLLATE "C"), so the
 * page order and the row comparison agree whatever the database's collation.
 */
import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

export type KeyCursor = readonly string[];

export const encodeCursor = (key: KeyCursor): string => JSON.stringify(key);

export const byteOrdered = (columns: readonly PgColumn[]): SQL[] =>
  columns.map((column) => sql`${column} COLLATE "C"`);

/** Rows after `cursor` in the order of `columns` (as many as the cursor has parts). */
export function afterCursor(columns: readonly PgColumn[], cursor: KeyCursor | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const key = byteOrdered(columns.slice(0, cursor.length));
  const values = cursor.map((part) => sql`${part}`);
  return sql`(${sql.join(key, sql`, `)}) > (${sql.join(values, sql`, `)})`;
}
