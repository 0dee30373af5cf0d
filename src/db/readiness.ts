import { sql } from "drizzle-orm";
import journal from "../../migrations/meta/_journal.json" with { type: "json" };
import { databaseOutageCode } from "./failures.js";
import { rawRows } from "./raw.js";
import type { Db } from "./types.js";

export type Readiness = { ready: true; migration: string } | { ready: false; reason: string };

/** A probe must answer quickly even when the database does not: an orchestrator is waiting. */
const READINESS_TIMEOUT_MS = 2_000;

/** Ready when the database answers and its newest applied migration is this build's newest. */
export async function checkReadiness(db: Db, timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Readiness>((resolve) => {
    timer = setTimeout(
      () => resolve({ ready: false, reason: `database did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([probe(db), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function probe(db: Db): Promise<Readiness> {
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
    // Codes only: a driver message can carry the query and the connection's details.
    const outage = databaseOutageCode(error);
    return {
      ready: false,
      reason: outage ? `database unreachable (${outage})` : "database not migrated or refusing the probe",
    };
  }
}
