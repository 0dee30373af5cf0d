import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema/index.js";

/** Either driver (PGlite or postgres.js) and either a database or a transaction: queries take this. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Db;
  /** "pglite" or "postgres": a few answers (readiness) name the backend */
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}
