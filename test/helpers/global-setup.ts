/**
 * Migrates one template database per test run: a PostgreSQL template database when
 * TEST_DATABASE_URL is set, else a dumped PGlite data directory. Test files clone it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../src/db/migrate.js";
import { createPgliteDatabase } from "../../src/db/pglite.js";
import { createPostgresDatabase } from "../../src/db/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: { kind: "postgres"; url: string; template: string } | { kind: "pglite"; dump: string };
  }
}

export function databaseUrlFor(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `portolan_template_${process.pid}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${template}`);
    await admin.unsafe(`CREATE DATABASE ${template}`);
    const handle = createPostgresDatabase(databaseUrlFor(url, template), { max: 1 });
    await applyMigrations(handle);
    await handle.close();
    project.provide("testDatabase", { kind: "postgres", url, template });
    return async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await admin.end();
    };
  }
  const handle = await createPgliteDatabase();
  await applyMigrations(handle);
  const blob = await handle.pglite.dumpDataDir("none");
  await handle.close();
  const dir = mkdtempSync(join(tmpdir(), "portolan-test-"));
  const dump = join(dir, "template.tar");
  writeFileSync(dump, Buffer.from(await blob.arrayBuffer()));
  project.provide("testDatabase", { kind: "pglite", dump });
  return () => rmSync(dir, { recursive: true, force: true });
}
