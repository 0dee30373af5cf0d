import { z } from "zod";
import type { DatabaseTimeouts } from "../db/postgres.js";

const seconds = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);
const milliseconds = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** Settings both entries (Node and Worker) read, with their defaults. */
export const sharedEnvSchema = z.object({
  PORTOLAN_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  PORTOLAN_MAX_SNAPSHOT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  PORTOLAN_STALE_AFTER_SECONDS: z.coerce.number().int().min(1).default(600),
  PORTOLAN_SNAPSHOT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** how often maintenance runs: a cluster whose staleness began within it is reported as newly stale */
  PORTOLAN_MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().int().min(60).default(900),
  // PostgreSQL only (the embedded database runs in-process): README's configuration table says what each bounds.
  PORTOLAN_DB_CONNECT_TIMEOUT_SECONDS: seconds(1, 5),
  PORTOLAN_DB_IDLE_TIMEOUT_SECONDS: seconds(1, 60),
  PORTOLAN_DB_MAX_LIFETIME_SECONDS: seconds(60, 30 * 60),
  PORTOLAN_DB_STATEMENT_TIMEOUT_MS: milliseconds(100, 30_000),
  PORTOLAN_DB_LOCK_TIMEOUT_MS: milliseconds(100, 10_000),
  PORTOLAN_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: milliseconds(1_000, 60_000),
});

export function databaseTimeouts(env: z.output<typeof sharedEnvSchema>): DatabaseTimeouts {
  return {
    connectTimeoutSeconds: env.PORTOLAN_DB_CONNECT_TIMEOUT_SECONDS,
    idleTimeoutSeconds: env.PORTOLAN_DB_IDLE_TIMEOUT_SECONDS,
    maxLifetimeSeconds: env.PORTOLAN_DB_MAX_LIFETIME_SECONDS,
    statementTimeoutMs: env.PORTOLAN_DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: env.PORTOLAN_DB_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.PORTOLAN_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

/** Turns a failed env parse into one message that names every bad variable. */
export function describeEnvError(error: z.ZodError): string {
  const lines = error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  return `invalid configuration:\n${lines.join("\n")}`;
}
