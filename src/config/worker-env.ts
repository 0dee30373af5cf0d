/**
 * The Worker's settings: bindings and vars from wrangler.toml, secrets from `wrangler secret put`.
 * Parsed per request into a result, never thrown: a bad binding must answer a readable 500, and
 * workerd would turn an exception at module scope into an opaque "script failed to start".
 */
import * as z from "zod";
import type { DatabaseTimeouts } from "../db/postgres.js";
import { databaseTimeouts, historyPruneSettings, limitSettings, sharedEnvSchema } from "./shared.js";

const HYPERDRIVE_HINT = "add a [[hyperdrive]] binding named HYPERDRIVE to wrangler.toml";

const workerEnvSchema = sharedEnvSchema.extend({
  HYPERDRIVE: z.object(
    {
      connectionString: z.string().regex(/^postgres(ql)?:\/\//, "connectionString must be a postgres:// URL"),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? `missing: ${HYPERDRIVE_HINT}`
          : `not a Hyperdrive binding: ${HYPERDRIVE_HINT}`,
    },
  ),
  // TOML vars may arrive as booleans or strings; `wrangler dev --var` always gives strings.
  PORTOLAN_OPEN_ACCESS: z
    .preprocess((v) => (typeof v === "boolean" ? String(v) : v), z.enum(["true", "false"]))
    .default("false"),
});

/**
 * No loopback development mode on Workers: a deployed Worker is always reachable from the internet.
 * Checked beside the schema, not in a refinement, so it is reported together with other problems.
 */
function adminTokenProblem(present: Record<string, unknown>): string | undefined {
  if (present.PORTOLAN_ADMIN_TOKEN !== undefined || String(present.PORTOLAN_OPEN_ACCESS) === "true") return;
  return 'PORTOLAN_ADMIN_TOKEN: required on Workers: run `wrangler secret put PORTOLAN_ADMIN_TOKEN` (local development only: PORTOLAN_OPEN_ACCESS="true")';
}

export interface WorkerConfig {
  connectionString: string;
  adminToken: string | undefined;
  /** reads and admin calls without a token; only when no admin token is configured */
  openAccess: boolean;
  staleAfterSeconds: number;
  maxClockSkewSeconds: number;
  maxSnapshotBytes: number;
  maxRequestBytes: number;
  retentionDays: number;
  /** closed history kept (PORTOLAN_RETENTION_DAYS) and the rows per pruning statement */
  history: ReturnType<typeof historyPruneSettings>;
  maintenanceIntervalSeconds: number;
  limits: ReturnType<typeof limitSettings>;
  timeouts: DatabaseTimeouts;
}

export type WorkerConfigResult = { ok: true; config: WorkerConfig } | { ok: false; message: string };

/** Every variable and binding the Worker reads (wrangler.toml vars must be among them). */
export const WORKER_ENV_KEYS = [
  "HYPERDRIVE",
  "PORTOLAN_ADMIN_TOKEN",
  "PORTOLAN_OPEN_ACCESS",
  "PORTOLAN_MAX_SNAPSHOT_BYTES",
  "PORTOLAN_MAX_REQUEST_BYTES",
  "PORTOLAN_STALE_AFTER_SECONDS",
  "PORTOLAN_MAX_CLOCK_SKEW_SECONDS",
  "PORTOLAN_SNAPSHOT_RETENTION_DAYS",
  "PORTOLAN_RETENTION_DAYS",
  "PORTOLAN_RETENTION_BATCH_ROWS",
  "PORTOLAN_MAINTENANCE_INTERVAL_SECONDS",
  "PORTOLAN_MAX_BATCH_CALLS",
  "PORTOLAN_RATE_LIMIT_PER_SECOND",
  "PORTOLAN_RATE_LIMIT_BURST",
  "PORTOLAN_PUSH_RATE_LIMIT_PER_SECOND",
  "PORTOLAN_PUSH_RATE_LIMIT_BURST",
  "PORTOLAN_EXPENSIVE_CONCURRENCY",
  "PORTOLAN_EXPENSIVE_CONCURRENCY_PER_PRINCIPAL",
  "PORTOLAN_DB_CONNECT_TIMEOUT_SECONDS",
  "PORTOLAN_DB_IDLE_TIMEOUT_SECONDS",
  "PORTOLAN_DB_MAX_LIFETIME_SECONDS",
  "PORTOLAN_DB_STATEMENT_TIMEOUT_MS",
  "PORTOLAN_DB_LOCK_TIMEOUT_MS",
  "PORTOLAN_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
] as const;

/**
 * Empty vars count as unset, as on Node. Messages name variables, never values (the admin token and
 * the connection string are secrets).
 */
export function readWorkerEnv(env: Record<string, unknown>): WorkerConfigResult {
  const present: Record<string, unknown> = {};
  for (const key of WORKER_ENV_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== null && value !== "") present[key] = value;
  }
  const result = workerEnvSchema.safeParse(present);
  const problems = result.success
    ? []
    : result.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`);
  const tokenProblem = adminTokenProblem(present);
  if (tokenProblem) problems.push(tokenProblem);
  if (!result.success || problems.length > 0) {
    return { ok: false, message: `invalid Worker configuration: ${problems.join("; ")}` };
  }
  const e = result.data;
  return {
    ok: true,
    config: {
      connectionString: e.HYPERDRIVE.connectionString,
      adminToken: e.PORTOLAN_ADMIN_TOKEN,
      openAccess: !e.PORTOLAN_ADMIN_TOKEN && e.PORTOLAN_OPEN_ACCESS === "true",
      staleAfterSeconds: e.PORTOLAN_STALE_AFTER_SECONDS,
      maxClockSkewSeconds: e.PORTOLAN_MAX_CLOCK_SKEW_SECONDS,
      maxSnapshotBytes: e.PORTOLAN_MAX_SNAPSHOT_BYTES,
      maxRequestBytes: e.PORTOLAN_MAX_REQUEST_BYTES,
      retentionDays: e.PORTOLAN_SNAPSHOT_RETENTION_DAYS,
      history: historyPruneSettings(e),
      maintenanceIntervalSeconds: e.PORTOLAN_MAINTENANCE_INTERVAL_SECONDS,
      limits: limitSettings(e),
      timeouts: databaseTimeouts(e),
    },
  };
}
