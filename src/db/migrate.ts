import { sql } from "drizzle-orm";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { migrationsFolder } from "./migrations-folder.js";
import { createPostgresDatabase, MIGRATION_TIMEOUTS } from "./postgres.js";
import type { DatabaseHandle } from "./types.js";

/** An arbitrary constant naming the migration lock. */
const MIGRATION_LOCK = 7_201_000;

/** Applies every pending migration of migrations/ (drizzle-kit output) to the embedded database. */
export async function applyMigrations(handle: DatabaseHandle): Promise<void> {
  const config = { migrationsFolder: migrationsFolder() };
  if (handle.kind === "pglite") {
    await migratePglite(handle.db as unknown as PgliteDatabase, config);
  } else {
    await migratePostgres(handle.db as unknown as PostgresJsDatabase, config);
  }
}

/**
 * Migrates a PostgreSQL database under a session advisory lock, on one dedicated connection, so
 * replicas starting together take turns instead of racing to create the same tables.
 */
export async function migratePostgresDatabase(url: string): Promise<void> {
  const handle = createPostgresDatabase(url, { max: 1, timeouts: MIGRATION_TIMEOUTS });
  try {
    await handle.db.execute(sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    await applyMigrations(handle);
    await handle.db.execute(sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
  } finally {
    // Closing the connection also releases the lock if a migration failed.
    await handle.close();
  }
}
