/**
 * A versioned (history) table: facts over half-open validity intervals [valid_from, valid_to);
 * valid_to NULL means current. Every such table has the same frame, declared once here: a bigint
 * identity id, the cluster, the fact's fingerprint, the interval, a unique partial index on the
 * natural key over the open rows (`<name>_open_key`, which also makes a double-open impossible) and
 * a btree on (cluster, valid_from, valid_to) that answers "as of T" by index (`<name>_cluster_asof_idx`).
 * Ingest, deltas, the clock reset and verification iterate over these tables through the registry
 * (src/services/history-tables.ts).
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  type ExtraConfigColumn,
  type IndexBuilder,
  index,
  integer,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTable,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { clusters } from "./clusters.js";

/** The validity interval's columns (the one definition). */
export const interval = () => ({
  validFrom: timestamp("valid_from", { withTimezone: true }).notNull(),
  validTo: timestamp("valid_to", { withTimezone: true }),
});

const frameHead = () => ({
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  clusterId: integer("cluster_id")
    .notNull()
    .references(() => clusters.id),
});

const frameTail = () => ({
  /** SHA-256 prefix of the fact's whole content (src/domain/fingerprint.ts): a changed fact is a new fp */
  fp: text("fp").notNull(),
  ...interval(),
});

type Frame = ReturnType<typeof frameHead> & ReturnType<typeof frameTail>;

export interface VersionedOptions<TColumns> {
  /** the columns that name one fact within a cluster: at most one open row per value */
  naturalKey: readonly (keyof TColumns & string)[];
  /** the table's own indexes (read paths), besides the open-key and as-of ones */
  extraIndexes?: (t: Record<keyof TColumns | keyof Frame, ExtraConfigColumn>) => IndexBuilder[];
}

/** Natural keys by table, as declared (the open-key index is built from the same list). */
const naturalKeys = new WeakMap<PgTable, readonly string[]>();

export function versionedTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
  options: VersionedOptions<TColumns>,
) {
  const table = pgTable(name, { ...frameHead(), ...columns, ...frameTail() }, (t) => {
    const byKey = t as unknown as Record<string, ExtraConfigColumn>;
    const key = options.naturalKey.map((column) => {
      const found = byKey[column];
      if (!found) throw new Error(`${name}: natural key column ${column} is not a column`);
      return found;
    });
    return [
      uniqueIndex(`${name}_open_key`)
        .on(t.clusterId, ...key)
        .where(sql`${t.validTo} IS NULL`),
      ...(options.extraIndexes?.(byKey as Record<keyof TColumns | keyof Frame, ExtraConfigColumn>) ?? []),
      index(`${name}_cluster_asof_idx`).on(t.clusterId, t.validFrom, t.validTo),
    ];
  });
  naturalKeys.set(table, options.naturalKey);
  return table;
}

/** A table versionedTable built, as the code that iterates over history tables sees it. */
export type VersionedTable = PgTable & {
  id: PgColumn;
  clusterId: PgColumn;
  fp: PgColumn;
  validFrom: PgColumn;
  validTo: PgColumn;
};

/** The declared natural key in index order (cluster_id excluded): each column and its property name. */
export function naturalKey(table: VersionedTable): { property: string; column: PgColumn }[] {
  const keys = naturalKeys.get(table);
  if (!keys) throw new Error("not a table declared with versionedTable");
  const columns = table as unknown as Record<string, PgColumn>;
  return keys.map((property) => ({ property, column: columns[property] as PgColumn }));
}
