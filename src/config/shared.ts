import * as z from "zod";
import type { DatabaseTimeouts } from "../db/postgres.js";
import { DEFAULT_HISTORY_RETENTION_DAYS, MAX_HISTORY_RETENTION_DAYS } from "../domain/retention.js";

const seconds = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);
const milliseconds = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** How far ahead of the server clock an agent's observedAt may be, unless configured. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * The largest snapshot body, decompressed. A 5,000-node cluster's snapshot is 15 to 25 MiB; this
 * leaves room above it while keeping JSON.parse of one body, and what it builds, within the memory
 * and event-loop figures docs/reliability.md measures for the largest legal snapshot.
 */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024;

/** Settings both entries (Node and Worker) read, with their defaults. */
export const sharedEnvSchema = z.object({
  PORTOLAN_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  PORTOLAN_MAX_SNAPSHOT_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_SNAPSHOT_BYTES),
  /** an ordinary request body (a tRPC call, a form); capacity.checkManifest takes a 1 MiB manifest besides */
  PORTOLAN_MAX_REQUEST_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .max(64 * 1024 * 1024)
    .default(512 * 1024),
  PORTOLAN_STALE_AFTER_SECONDS: z.coerce.number().int().min(1).default(600),
  /** an observedAt further ahead of the server clock is refused: it would freeze the cluster's history */
  PORTOLAN_MAX_CLOCK_SKEW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(DEFAULT_MAX_CLOCK_SKEW_SECONDS),
  PORTOLAN_SNAPSHOT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /**
   * closed history (every *_versions table) older than this is pruned by maintenance; reads before it
   * answer AS_OF_BEYOND_RETENTION, so a report window longer than it cannot be read whole
   */
  PORTOLAN_RETENTION_DAYS: z.coerce
    .number({ error: "must be a whole number of days" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day (closed history older than this is pruned)")
    .max(MAX_HISTORY_RETENTION_DAYS, `must be at most ${MAX_HISTORY_RETENTION_DAYS} days`)
    .default(DEFAULT_HISTORY_RETENTION_DAYS),
  /** rows one pruning statement deletes: short statements keep pushes' and reads' turns short */
  PORTOLAN_RETENTION_BATCH_ROWS: z.coerce.number().int().min(1).max(100_000).default(2000),
  /** how often maintenance runs: a cluster whose staleness began within it is reported as newly stale */
  PORTOLAN_MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().int().min(60).default(900),
  // Limits per principal (token, or client address without one); in memory, per process or isolate.
  PORTOLAN_MAX_BATCH_CALLS: z.coerce.number().int().min(1).default(10),
  PORTOLAN_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  PORTOLAN_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(200),
  PORTOLAN_PUSH_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(10),
  PORTOLAN_PUSH_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(60),
  PORTOLAN_EXPENSIVE_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  PORTOLAN_EXPENSIVE_CONCURRENCY_PER_PRINCIPAL: z.coerce.number().int().min(1).default(2),
  // Pushes in their transaction at once (keep it below the pool size, so reads always find a connection).
  PORTOLAN_MAX_CONCURRENT_PUSHES: z.coerce.number().int().min(1).default(6),
  PORTOLAN_MAX_QUEUED_PUSHES: z.coerce.number().int().min(0).default(16),
  // PostgreSQL only (the embedded database runs in-process): README's configuration table says what each bounds.
  PORTOLAN_DB_CONNECT_TIMEOUT_SECONDS: seconds(1, 5),
  PORTOLAN_DB_IDLE_TIMEOUT_SECONDS: seconds(1, 60),
  PORTOLAN_DB_MAX_LIFETIME_SECONDS: seconds(60, 30 * 60),
  PORTOLAN_DB_STATEMENT_TIMEOUT_MS: milliseconds(100, 30_000),
  PORTOLAN_DB_LOCK_TIMEOUT_MS: milliseconds(100, 10_000),
  PORTOLAN_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: milliseconds(1_000, 60_000),
});

export type SharedEnv = z.output<typeof sharedEnvSchema>;

/** The limits of src/api/limits from the environment (the shape of its LimitSettings). */
export function limitSettings(env: SharedEnv) {
  return {
    maxBatchCalls: env.PORTOLAN_MAX_BATCH_CALLS,
    reads: { perSecond: env.PORTOLAN_RATE_LIMIT_PER_SECOND, burst: env.PORTOLAN_RATE_LIMIT_BURST },
    pushes: { perSecond: env.PORTOLAN_PUSH_RATE_LIMIT_PER_SECOND, burst: env.PORTOLAN_PUSH_RATE_LIMIT_BURST },
    expensive: {
      total: env.PORTOLAN_EXPENSIVE_CONCURRENCY,
      perPrincipal: env.PORTOLAN_EXPENSIVE_CONCURRENCY_PER_PRINCIPAL,
    },
  };
}

export function pushSlots(env: SharedEnv) {
  return { concurrent: env.PORTOLAN_MAX_CONCURRENT_PUSHES, queued: env.PORTOLAN_MAX_QUEUED_PUSHES };
}

export function databaseTimeouts(env: SharedEnv): DatabaseTimeouts {
  return {
    connectTimeoutSeconds: env.PORTOLAN_DB_CONNECT_TIMEOUT_SECONDS,
    idleTimeoutSeconds: env.PORTOLAN_DB_IDLE_TIMEOUT_SECONDS,
    maxLifetimeSeconds: env.PORTOLAN_DB_MAX_LIFETIME_SECONDS,
    statementTimeoutMs: env.PORTOLAN_DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: env.PORTOLAN_DB_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.PORTOLAN_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

/** The history prune's settings from the environment (services/history-prune.ts). */
export function historyPruneSettings(env: SharedEnv) {
  return { retentionDays: env.PORTOLAN_RETENTION_DAYS, batchSize: env.PORTOLAN_RETENTION_BATCH_ROWS };
}

/** Turns a failed env parse into one message that names every bad variable. */
export function describeEnvError(error: z.ZodError): string {
  const lines = error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  return `invalid configuration:\n${lines.join("\n")}`;
}
