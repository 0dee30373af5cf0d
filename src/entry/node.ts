/**
 * Node entry: `npm start`. Serves createApp on HOST:PORT with the embedded database (or
 * DATABASE_URL), migrates at start and shuts down cleanly on SIGTERM/SIGINT.
 */
import cluster from "node:cluster";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { createRequestLimits, type LimitSettings } from "../api/limits/request-limits.js";
import { createApp } from "../app.js";
import { isLoopbackHost } from "../config/bind.js";
import { ConfigError, readNodeEnv, WORKERS_NEED_POSTGRES } from "../config/node-env.js";
import { databaseTimeouts, historyPruneSettings, limitSettings, pushSlots } from "../config/shared.js";
import { trustedProxies } from "../config/trusted-proxies.js";
import { log, setLogContext } from "../logging/logger.js";
import { BaseStates } from "../services/base-states.js";
import { DEFAULT_PUSH_LIMITS, PushGate } from "../services/push-gate.js";
import { installCrashGuard, recycleOnDriverCrash } from "./crash-guard.js";
import { describeDatabase, openDatabase } from "./database.js";
import { watchEventLoopDelay } from "./event-loop-delay.js";
import { scheduleMaintenance } from "./maintenance.js";
import { runPrimary, runsMaintenance, workerId } from "./node-workers.js";

export interface ServerOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  databaseUrl?: string;
  adminToken?: string;
  staleAfterSeconds?: number;
  maxClockSkewSeconds?: number;
  maxSnapshotBytes?: number;
  limits?: LimitSettings;
  /** the server's clock; `npm run demo` replays history on a clock that follows its pushes */
  now?: () => Date;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Options win over the environment, which wins over the defaults. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const env = readNodeEnv();
  const worker = workerId();
  // N workers write to one stream: every line says whose it is.
  if (worker !== undefined) setLogContext({ worker });
  const host = options.host ?? env.HOST;
  const adminToken = options.adminToken ?? env.PORTOLAN_ADMIN_TOKEN;
  if (!adminToken && !isLoopbackHost(host)) {
    throw new ConfigError(
      `refusing to listen on ${host} without PORTOLAN_ADMIN_TOKEN: anyone who can reach it could register clusters and read the fleet. Set PORTOLAN_ADMIN_TOKEN, or bind to 127.0.0.1.`,
    );
  }
  const dbOptions = {
    databaseUrl: options.databaseUrl ?? env.DATABASE_URL,
    dataDir: options.dataDir ?? env.PORTOLAN_DATA_DIR,
  };
  const database = await openDatabase({
    ...dbOptions,
    timeouts: databaseTimeouts(env),
    answerTimeoutMs: env.PORTOLAN_DB_ANSWER_TIMEOUT_MS,
  });
  const unguard = "recycle" in database ? recycleOnDriverCrash(database) : () => {};
  const staleAfterSeconds = options.staleAfterSeconds ?? env.PORTOLAN_STALE_AFTER_SECONDS;
  const maxClockSkewSeconds = options.maxClockSkewSeconds ?? env.PORTOLAN_MAX_CLOCK_SKEW_SECONDS;
  const loopDelay = watchEventLoopDelay();
  const app = createApp({
    runtimeGauges: () => [...loopDelay.gauges(), ...maintenance.gauges()],
    historyRetentionDays: env.PORTOLAN_RETENTION_DAYS,
    database,
    auth: { adminToken, openAccess: !adminToken },
    staleAfterSeconds,
    maxClockSkewSeconds,
    maxSnapshotBytes: options.maxSnapshotBytes ?? env.PORTOLAN_MAX_SNAPSHOT_BYTES,
    maxRequestBytes: env.PORTOLAN_MAX_REQUEST_BYTES,
    limits: createRequestLimits(options.limits ?? limitSettings(env)),
    pushGate: new PushGate({ ...DEFAULT_PUSH_LIMITS, ...pushSlots(env) }),
    baseStates: new BaseStates(),
    loopbackHostsOnly: !adminToken,
    trustedProxy: trustedProxies(env.PORTOLAN_TRUSTED_PROXIES),
    logRequests: true,
    ...(options.now ? { now: options.now } : {}),
  });
  const services = {
    db: database.db,
    config: { staleAfterSeconds, maxClockSkewSeconds, historyRetentionDays: env.PORTOLAN_RETENTION_DAYS },
    now: options.now ?? (() => new Date()),
  };
  // Of several workers (PORTOLAN_WORKERS), one runs maintenance: see node-workers.ts.
  const runMaintenance = runsMaintenance();
  const maintenance = runMaintenance
    ? scheduleMaintenance(services, {
        retentionDays: env.PORTOLAN_SNAPSHOT_RETENTION_DAYS,
        intervalSeconds: env.PORTOLAN_MAINTENANCE_INTERVAL_SECONDS,
        history: historyPruneSettings(env),
      })
    : { gauges: () => [], stop: () => {} };
  const server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? env.PORT });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  log("info", "portolan listening", {
    url,
    database: describeDatabase(dbOptions),
    ...(workerId() === undefined ? {} : { pid: process.pid, maintenance: runMaintenance }),
  });
  if (!adminToken)
    log("warn", "no PORTOLAN_ADMIN_TOKEN: development mode, reads and admin calls are open on loopback");
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        maintenance.stop();
        loopDelay.stop();
        unguard();
        server.close(() => resolve());
      }).then(() => database.close());
      return closing;
    },
  };
}

/** Runs until SIGTERM/SIGINT; used by `npm start` and `portolan serve`. */
export async function runServer(options: ServerOptions = {}): Promise<void> {
  // Here and not in startServer: the process is ours only when we are its entry point.
  installCrashGuard();
  let running: RunningServer;
  try {
    const env = readNodeEnv();
    const databaseUrl = options.databaseUrl ?? env.DATABASE_URL;
    if (env.PORTOLAN_WORKERS > 1 && cluster.isPrimary) {
      if (!databaseUrl)
        throw new ConfigError(`invalid configuration:\n  PORTOLAN_WORKERS: ${WORKERS_NEED_POSTGRES}`);
      await runPrimary(env.PORTOLAN_WORKERS, databaseUrl);
      return;
    }
    running = await startServer(options);
  } catch (error) {
    log("error", error instanceof ConfigError ? error.message : `cannot start: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const stop = (signal: string) => {
    log("info", "shutting down", { signal });
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log("error", "unclean shutdown", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runServer();
}
