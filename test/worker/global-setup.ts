/**
 * Node side of `npm run test:worker`: creates a fresh PostgreSQL database for the run, migrates it
 * from Node (the Worker never migrates) and drops it afterwards. Without a reachable server the
 * workerd tests are skipped, and this says so.
 */
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../src/db/migrate.js";
import { createPostgresDatabase } from "../../src/db/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** the run's database as the Hyperdrive binding gets it; null when PostgreSQL is unreachable */
    workerDatabaseUrl: string | null;
  }
}

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres";

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Miniflare refuses a Hyperdrive URL without a password; trust auth ignores the placeholder. */
export function forHyperdrive(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = "unused";
  return u.toString();
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.WORKER_TEST_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_URL;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin`SELECT 1`;
  } catch (error) {
    await admin.end({ timeout: 0 }).catch(() => {});
    console.warn(
      `\n[test:worker] PostgreSQL is not reachable at ${new URL(serverUrl).host} (${(error as Error).message}):` +
        " the workerd tests against a database are SKIPPED. Start PostgreSQL or set WORKER_TEST_DATABASE_URL.\n",
    );
    project.provide("workerDatabaseUrl", null);
    return;
  }
  // Each vitest project runs its own global setup: pid plus a random part keeps them apart.
  const name = `portolan_worker_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  const handle = createPostgresDatabase(url, { max: 1 });
  try {
    await applyMigrations(handle);
  } finally {
    await handle.close();
  }
  project.provide("workerDatabaseUrl", forHyperdrive(url));
  return async () => {
    // The Worker leaves closing its sockets to workerd, so the last requests' connections may still
    // be winding down; a forced drop would reset them under miniflare's Hyperdrive proxy.
    for (let attempt = 0; attempt < 40 && (await backends(admin, name)) > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
}

async function backends(admin: postgres.Sql, database: string): Promise<number> {
  const [row] = await admin<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${database}`;
  return row?.n ?? 0;
}
