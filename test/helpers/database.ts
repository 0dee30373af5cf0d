import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { inject } from "vitest";
import { createPgliteDatabase } from "../../src/db/pglite.js";
import { createPostgresDatabase } from "../../src/db/postgres.js";
import { rawRows } from "../../src/db/raw.js";
import type { DatabaseHandle } from "../../src/db/types.js";
import { databaseUrlFor } from "./global-setup.js";

export const onRealPostgres = () => inject("testDatabase").kind === "postgres";

/** A migrated database of this test file's own, dropped on close. */
export async function createTestDatabase(
  pool: { max?: number } = {},
): Promise<DatabaseHandle & { url?: string }> {
  const source = inject("testDatabase");
  if (source.kind === "pglite") {
    const dump = new Blob([readFileSync(source.dump)]);
    return createPgliteDatabase({ loadDataDir: dump });
  }
  const name = `portolan_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(source.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${source.template}`);
  const url = databaseUrlFor(source.url, name);
  const handle = createPostgresDatabase(url, { max: pool.max ?? 25 });
  return {
    ...handle,
    url,
    close: async () => {
      await handle.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Empties every table so each test starts from a clean, migrated database. */
export async function resetDatabase(handle: DatabaseHandle): Promise<void> {
  const tables = await rawRows<{ name: string }>(
    handle.db,
    sql`SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'`,
  );
  await handle.db.execute(
    sql.raw(`TRUNCATE ${tables.map((t) => t.name).join(", ")} RESTART IDENTITY CASCADE`),
  );
}
