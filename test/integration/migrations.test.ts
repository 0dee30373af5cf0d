import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { migratePostgresDatabase } from "../../src/db/migrate.js";
import { createPostgresDatabase } from "../../src/db/postgres.js";
import { checkReadiness } from "../../src/db/readiness.js";
import { onRealPostgres } from "../helpers/database.js";
import { databaseUrlFor } from "../helpers/global-setup.js";

// Replicas racing to migrate only exist with a shared server; PGlite is one process's own database.
describe.skipIf(!onRealPostgres())("migrations on PostgreSQL", () => {
  it("lets replicas that start together migrate one empty database without colliding", async () => {
    const source = inject("testDatabase");
    if (source.kind !== "postgres") throw new Error("unreachable: skipped without PostgreSQL");
    const name = `portolan_migrate_${process.pid}`;
    const admin = postgres(source.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = databaseUrlFor(source.url, name);
    try {
      const results = await Promise.allSettled([1, 2, 3].map(() => migratePostgresDatabase(url)));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
      const handle = createPostgresDatabase(url, { max: 1 });
      try {
        expect(await checkReadiness(handle.db)).toMatchObject({ ready: true });
      } finally {
        await handle.close();
      }
    } finally {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
