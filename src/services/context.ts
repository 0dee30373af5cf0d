import type { Db } from "../db/types.js";
import type { BaseStates } from "./base-states.js";
import type { PushGate } from "./push-gate.js";

export interface ServiceConfig {
  /** a cluster whose last accepted push is older than this is marked stale */
  staleAfterSeconds: number;
  /** how far past the server clock an observedAt may be before the push is refused */
  maxClockSkewSeconds: number;
  /** closed history older than this many days is pruned (PORTOLAN_RETENTION_DAYS); default 400 */
  historyRetentionDays?: number;
}

/** What every service function gets: the database (or a transaction) and the server clock. */
export interface ServiceContext {
  db: Db;
  config: ServiceConfig;
  /** server clock: only for last_seen_at and staleness; history time comes from observedAt */
  now: () => Date;
  /** one process's turn-taking of pushes per cluster; without it pushes go straight to the row lock */
  pushGate?: PushGate;
  /** recently pushed clusters' open facts, which deltas apply to; without it they are read back */
  baseStates?: BaseStates;
}
