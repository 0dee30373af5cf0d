/**
 * Cloudflare Workers entry: the same createApp as Node, with a postgres.js client per request
 * through the Hyperdrive binding. The Worker never migrates (`npm run db:migrate` does, from Node).
 *
 * The app is built once per isolate (and configuration), as on Node: building it per request cost a
 * Hono router compile and the app's setup on every push (docs/performance.md "Push on the Worker").
 * Its database is the request's all the same: workerd ties a socket to the request that opened it, so
 * the app's `db` forwards each use to the client of the request running it (AsyncLocalStorage, which
 * nodejs_compat provides and carries across awaits).
 *
 * Import graph: nothing Node-only may be reachable from here (PGlite, node:fs/path, the migrator,
 * src/entry/node.ts); test/worker/bundle.node.test.ts checks the bundle.
 *
 * The client is not ended. workerd closes every socket an invocation opened once the invocation
 * (waitUntil included) is over, and Hyperdrive pools the real connections behind it; Cloudflare's
 * Hyperdrive examples dropped sql.end() for that reason (cloudflare-docs#24429). Ending it anyway,
 * even in ctx.waitUntil, makes postgres.js' workerd socket polyfill leave an unhandled "Stream was
 * cancelled." rejection per request (porsager/postgres#1202): an error line per request in Workers
 * Logs and a failed vitest run. test/worker/app.worker.test.ts checks that nothing stays connected.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ExecutionContext } from "hono";
import { createRequestLimits, type RequestLimits } from "../api/limits/request-limits.js";
import { createApp } from "../app.js";
import { readWorkerEnv, type WorkerConfig } from "../config/worker-env.js";
import { createPostgresDatabase } from "../db/postgres.js";
import type { DatabaseHandle, Db } from "../db/types.js";
import { log } from "../logging/logger.js";
import { BaseStates, WORKER_MAX_BASE_FACTS } from "../services/base-states.js";
import { runMaintenance } from "../services/maintenance.js";
import { DEFAULT_PUSH_LIMITS, PushGate } from "../services/push-gate.js";

/**
 * Bindings, vars and secrets; readWorkerEnv validates the ones Portolan reads. Handler types are
 * spelled with the DOM lib and Hono's ExecutionContext: the Workers global types clash with the DOM lib.
 */
export type WorkerBindings = Record<string, unknown>;

export interface CronController {
  /** epoch milliseconds the run was scheduled for: the run's "now", even when it starts late */
  scheduledTime: number;
  cron: string;
}

/** Pruning stops starting statements after this long in a cron run (its wall-time limit is 15 minutes). */
const WORKER_PRUNE_BUDGET_MS = 5 * 60_000;

/** Hyperdrive pools the real connections; a Worker invocation may hold 6 sockets at once. */
const MAX_CONNECTIONS_PER_REQUEST = 5;

function openDatabase(config: WorkerConfig): DatabaseHandle {
  return createPostgresDatabase(config.connectionString, {
    max: MAX_CONNECTIONS_PER_REQUEST,
    timeouts: config.timeouts,
  });
}

/** Limits live as long as the isolate (one per isolate, not per Worker: Cloudflare runs many). */
let isolateLimits: { key: string; limits: RequestLimits } | undefined;

/** Pushes take turns per isolate, as limits do (one app per isolate holds the gate, limits and base states). */
const isolatePushGate = new PushGate(DEFAULT_PUSH_LIMITS);
/** Deltas' base states per isolate, kept small: an isolate has 128 MB in all. */
const isolateBaseStates = new BaseStates(WORKER_MAX_BASE_FACTS);

function limitsFor(config: WorkerConfig): RequestLimits {
  const key = JSON.stringify(config.limits);
  if (isolateLimits?.key !== key) isolateLimits = { key, limits: createRequestLimits(config.limits) };
  return isolateLimits.limits;
}

/** The database of the request being served (set around each fetch). */
const requestDatabase = new AsyncLocalStorage<DatabaseHandle>();

function currentDatabase(): DatabaseHandle {
  const handle = requestDatabase.getStore();
  if (!handle) throw new Error("the database was used outside a request");
  return handle;
}

/** The isolate's app holds this: every property read goes to the running request's drizzle instance. */
const requestDb = new Proxy({} as Db, {
  get(_target, property) {
    const db = currentDatabase().db;
    const value: unknown = Reflect.get(db, property, db);
    return typeof value === "function" ? value.bind(db) : value;
  },
});

const isolateDatabase: DatabaseHandle = {
  db: requestDb,
  kind: "postgres",
  // Never ended: see above (workerd closes a request's sockets when it is over).
  close: async () => {},
};

/** The isolate's app, rebuilt only if the configuration changes (the connection string is the request's). */
let isolateApp: { key: string; app: ReturnType<typeof createApp> } | undefined;

function appFor(config: WorkerConfig): ReturnType<typeof createApp> {
  const key = JSON.stringify({ ...config, connectionString: undefined });
  if (isolateApp?.key === key) return isolateApp.app;
  const app = createApp({
    database: isolateDatabase,
    auth: { adminToken: config.adminToken, openAccess: config.openAccess },
    staleAfterSeconds: config.staleAfterSeconds,
    maxClockSkewSeconds: config.maxClockSkewSeconds,
    historyRetentionDays: config.history.retentionDays,
    maxSnapshotBytes: config.maxSnapshotBytes,
    maxRequestBytes: config.maxRequestBytes,
    limits: limitsFor(config),
    pushGate: isolatePushGate,
    baseStates: isolateBaseStates,
    logRequests: true,
  });
  isolateApp = { key, app };
  return app;
}

async function fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Promise<Response> {
  const parsed = readWorkerEnv(env);
  if (!parsed.ok) {
    log("error", parsed.message);
    return Response.json({ error: { code: "CONFIG_INVALID", message: parsed.message } }, { status: 500 });
  }
  const { config } = parsed;
  const app = appFor(config);
  return requestDatabase.run(openDatabase(config), () => app.fetch(request, env, ctx));
}

async function scheduled(controller: CronController, env: WorkerBindings): Promise<void> {
  const parsed = readWorkerEnv(env);
  // Throwing marks the cron run as failed in the dashboard; the message names the variable.
  if (!parsed.ok) throw new Error(`CONFIG_INVALID: ${parsed.message}`);
  const { config } = parsed;
  const report = await runMaintenance(
    {
      db: openDatabase(config).db,
      config: {
        staleAfterSeconds: config.staleAfterSeconds,
        maxClockSkewSeconds: config.maxClockSkewSeconds,
        historyRetentionDays: config.history.retentionDays,
      },
      now: () => new Date(controller.scheduledTime),
    },
    {
      retentionDays: config.retentionDays,
      intervalSeconds: config.maintenanceIntervalSeconds,
      // A cron run has 15 minutes of wall time; what is left is pruned by the next run.
      history: { ...config.history, maxDurationMs: WORKER_PRUNE_BUDGET_MS },
    },
  );
  // One line per transition, so a log-based alert fires once per cluster, not every run.
  for (const cluster of report.newlyStale) {
    log("warn", "cluster became stale", { cluster, staleAfterSeconds: config.staleAfterSeconds });
  }
  const { history, ...rest } = report;
  if (history) log("info", "history pruned", { ...history, retentionDays: config.history.retentionDays });
  log("info", "maintenance done", { cron: controller.cron, ...rest });
}

export default { fetch, scheduled };
