import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { applyMigrations, migratePostgresDatabase } from "../db/migrate.js";
import { createPgliteDatabase } from "../db/pglite.js";
import { createPostgresDatabase, type DatabaseTimeouts, type PostgresHandle } from "../db/postgres.js";
import type { DatabaseHandle } from "../db/types.js";
import { watchedSocket } from "../db/watched-socket.js";
import { acquireDataDirLock } from "./data-dir-lock.js";

/**
 * Real PostgreSQL when a URL is given, else the embedded PGlite under dataDir; migrated either way.
 * The embedded directory is locked for this process until the handle is closed (data-dir-lock.ts).
 */
export async function openDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL only */
  timeouts?: DatabaseTimeouts;
  /** PostgreSQL only: a connection silent this long while a query waits is destroyed */
  answerTimeoutMs?: number;
}): Promise<DatabaseHandle | PostgresHandle> {
  if (options.databaseUrl) {
    await migratePostgresDatabase(options.databaseUrl);
    return createPostgresDatabase(options.databaseUrl, {
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.answerTimeoutMs ? { socket: watchedSocket(options.answerTimeoutMs) } : {}),
    });
  }
  const dir = resolve(options.dataDir, "pgdata");
  mkdirSync(dir, { recursive: true });
  const lock = acquireDataDirLock(resolve(options.dataDir));
  let handle: DatabaseHandle;
  try {
    handle = await createPgliteDatabase({ dataDir: dir });
  } catch (error) {
    lock.release();
    throw error;
  }
  const close = () => handle.close().finally(() => lock.release());
  try {
    await applyMigrations(handle);
  } catch (error) {
    await close();
    throw error;
  }
  return { ...handle, close };
}

export const describeDatabase = (options: { databaseUrl?: string | undefined; dataDir: string }) =>
  options.databaseUrl
    ? `postgres ${new URL(options.databaseUrl).host}`
    : `embedded PGlite in ${join(resolve(options.dataDir), "pgdata")}`;
