/**
 * A versioned table is one declaration: every table of the schema with a validity interval is in the
 * registry that ingest, deltas, the clock reset and verification iterate over, and every declared
 * table has the frame versionedTable gives (so none drifts as headroom_versions' integer id once did).
 */
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema/index.js";
import { naturalKey } from "../../src/db/schema/versioned.js";
import {
  historyTables,
  openKeyColumns,
  projectionTables,
  stateTables,
  tableName,
} from "../../src/services/history-tables.js";

function isTable(value: unknown): value is PgTable {
  try {
    getTableConfig(value as PgTable);
    return true;
  } catch {
    return false;
  }
}

const schemaTables = Object.values(schema).filter(isTable);
const columnNames = (table: PgTable) => getTableConfig(table).columns.map((column) => column.name);
const indexColumns = (columns: readonly unknown[]) =>
  columns.map((column) =>
    column && typeof column === "object" && "name" in column ? String(column.name) : "(expression)",
  );

describe("the history-table registry", () => {
  it("holds exactly the schema's tables with a validity interval", () => {
    const versioned = schemaTables
      .filter((table) => columnNames(table).includes("valid_to"))
      .map((table) => getTableConfig(table).name)
      .sort();
    expect(historyTables.map(tableName).sort()).toEqual(versioned);
    expect(versioned.length).toBeGreaterThanOrEqual(8);
  });

  it("names every table once, and feeds only projections it declares", () => {
    const names = historyTables.map((h) => h.name);
    expect(new Set(names).size).toBe(names.length);
    const projections = new Set<string>(projectionTables.map((h) => h.name));
    for (const h of historyTables) for (const fed of h.feeds) expect(projections, h.name).toContain(fed);
    // Each projection is computed from some of the snapshot's own facts.
    for (const p of projections)
      expect(
        stateTables.some((h) => h.feeds.includes(p as never)),
        p,
      ).toBe(true);
  });

  it.each(historyTables.map((h) => [tableName(h), h] as const))(
    "gives %s the versioned frame: bigint identity id, cluster, fp, interval",
    (_name, h) => {
      const config = getTableConfig(h.table);
      const column = (name: string) => config.columns.find((c) => c.name === name);
      expect(column("id")?.getSQLType()).toBe("bigint");
      expect(column("id")?.primary).toBe(true);
      expect(column("id")?.generatedIdentity?.type).toBe("always");
      expect(column("cluster_id")?.getSQLType()).toBe("integer");
      expect(column("cluster_id")?.notNull).toBe(true);
      expect(config.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name)).toEqual([
        "clusters",
      ]);
      expect(column("fp")?.getSQLType()).toBe("text");
      expect(column("fp")?.notNull).toBe(true);
      expect(column("valid_from")?.getSQLType()).toBe("timestamp with time zone");
      expect(column("valid_from")?.notNull).toBe(true);
      expect(column("valid_to")?.getSQLType()).toBe("timestamp with time zone");
      expect(column("valid_to")?.notNull).toBe(false);
    },
  );

  it.each(historyTables.map((h) => [tableName(h), h] as const))(
    "indexes %s by convention: <name>_open_key on the declared natural key over open rows, <name>_cluster_asof_idx",
    (name, h) => {
      const indexes = getTableConfig(h.table).indexes.map((index) => index.config);
      const openKey = indexes.find((index) => index.name === `${name}_open_key`);
      expect(openKey?.unique).toBe(true);
      expect(indexColumns(openKey?.columns ?? [])).toEqual(openKeyColumns(h));
      expect(openKeyColumns(h).length).toBe(naturalKey(h.table).length + 1);
      expect(openKey?.where?.queryChunks.length).toBeGreaterThan(0);
      const asOf = indexes.find((index) => index.name === `${name}_cluster_asof_idx`);
      expect(asOf?.unique).toBe(false);
      expect(indexColumns(asOf?.columns ?? [])).toEqual(["cluster_id", "valid_from", "valid_to"]);
    },
  );
});
