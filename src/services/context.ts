import type { Db } from "../db/types.js";

export interface ServiceConfig {
  /** a cluster whose last accepted push is older than this is marked stale */
  staleAfterSeconds: number;
}

/** What every service function gets: the database (or a transaction) and the server clock. */
export interface ServiceContext {
  db: Db;
  config: ServiceConfig;
  /** server clock: only for last_seen_at and staleness; history time comes from observedAt */
  now: () => Date;
}
