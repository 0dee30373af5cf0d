import { sql } from "drizzle-orm";
import journal from "../../migrations/meta/_journal.json" with { type: "json" };
import { rawRows } from "./raw.js";
import type { Db } from "./types.js";

export type Readiness = { ready: true; migration: string } | { ready: false; reason: string };

/** Ready when the database answers and its newest applied migration is this build's newest. */
export async function checkReadiness(db: Db): Promise<Readiness> {
  const newest = journal.entries[journal.entries.length - 1];
  if (!newest) return { ready: false, reason: "this build has no migrations" };
  try {
    const [row] = await rawRows<{ latest: string | number | null }>(
      db,
      sql`SELECT max(created_at) AS latest FROM drizzle.__drizzle_migrations`,
    );
    if (Number(row?.latest ?? 0) < newest.when) {
      return { ready: false, reason: `migration ${newest.tag} is not applied (run: npm run db:migrate)` };
    }
    return { ready: true, migration: newest.tag };
  } catch (error) {
    return { ready: false, reason: `database unreachable or not migrated: ${(error as Error).message}` };
  }
}
