/**
 * The migrated database has the history tables the registry declares, in the declared shape: the
 * migrations and the declarations agree (a bigint id everywhere, the open-key index over open rows),
 * and no table with a validity interval exists outside the registry.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import type { DatabaseHandle } from "../../src/db/types.js";
import { historyTables, openKeyColumns, tableName } from "../../src/services/history-tables.js";
import { createTestDatabase } from "../helpers/database.js";

let database: DatabaseHandle;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe("the migrated history tables", () => {
  it("are exactly the declared ones, each with a bigint id", async () => {
    const rows = await rawRows<{ table_name: string; data_type: string }>(
      database.db,
      sql`SELECT c.table_name, i.data_type FROM information_schema.columns c
          JOIN information_schema.columns i ON i.table_schema = c.table_schema AND i.table_name = c.table_name
            AND i.column_name = 'id'
          WHERE c.table_schema = 'public' AND c.column_name = 'valid_to' ORDER BY 1`,
    );
    expect(rows).toEqual(
      historyTables
        .map(tableName)
        .sort()
        .map((table_name) => ({ table_name, data_type: "bigint" })),
    );
  });

  it("have the declared open-key index over the open rows", async () => {
    for (const h of historyTables) {
      const [index] = await rawRows<{ indexdef: string }>(
        database.db,
        sql`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = ${`${tableName(h)}_open_key`}`,
      );
      expect(index?.indexdef, tableName(h)).toContain(`UNIQUE INDEX`);
      expect(index?.indexdef, tableName(h)).toContain(
        `(${openKeyColumns(h).join(", ")}) WHERE (valid_to IS NULL)`,
      );
    }
  });
});
