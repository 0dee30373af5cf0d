/**
 * A migrated database a benchmark owns for one run: embedded PGlite, or a new database on the
 * PostgreSQL of TEST_DATABASE_URL (dropped afterwards; `url` is its address).
 */
import postgres from "postgres";
import { applyMigrations } from "../src/db/migrate.js";
import { createPgliteDatabase } from "../src/db/pglite.js";
import { createPostgresDatabase } from "../src/db/postgres.js";
import type { DatabaseHandle } from "../src/db/types.js";

export async function openScratchDatabase(
  prefix: string,
  url = process.env.TEST_DATABASE_URL,
): Promise<{ handle: DatabaseHandle; drop: () => Promise<void>; url?: string }> {
  if (!url) {
    const handle = await createPgliteDatabase();
    await applyMigrations(handle);
    return { handle, drop: () => handle.close() };
  }
  const name = `${prefix}_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handle = createPostgresDatabase(target.toString());
  await applyMigrations(handle);
  return {
    handle,
    url: target.toString(),
    drop: async () => {
      await handle.close();
      await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
