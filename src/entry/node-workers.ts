/**
 * PORTOLAN_WORKERS=N (PostgreSQL only): the Node entry as a primary process and N workers sharing one
 * listening port (node:cluster; the primary accepts connections and hands them round). The primary
 * serves nothing: it migrates the database once, forks the workers with its own Node flags (so each
 * worker has the heap cap of src/config/server-heap.ts), replaces a worker that dies, and stops them
 * all on SIGTERM/SIGINT. Exactly one worker runs the maintenance timer (a replacement of that worker
 * inherits it), so pruning and the stale-cluster log run once, not N times at once.
 *
 * Everything else is per worker: the push gate, the BaseStates budget, the database pool, the request
 * rate limits and the expensive-read slots (docs/deploy.md, "Several processes"). Pushes of one cluster
 * serialise across workers on the cluster row's lock, as they do across replicas.
 */
import cluster, { type Worker } from "node:cluster";
import { migratePostgresDatabase } from "../db/migrate.js";
import { log } from "../logging/logger.js";

/** Set by the primary in the environment of the one worker that runs maintenance. */
export const MAINTENANCE_WORKER_ENV = "PORTOLAN_INTERNAL_MAINTENANCE_WORKER";

/** Whether this process runs the maintenance timer: a single process does; of N workers, one. */
export function runsMaintenance(): boolean {
  return !cluster.isWorker || process.env[MAINTENANCE_WORKER_ENV] === "1";
}

/** This worker's number for the logs (none in a single process). */
export function workerId(): number | undefined {
  return cluster.isWorker ? cluster.worker?.id : undefined;
}

/** A worker that dies sooner than this after it started is not replaced: the failure is not passing. */
const RESTART_AFTER_MS = 1_000;

export async function runPrimary(workers: number, databaseUrl: string): Promise<void> {
  // Once, before any worker opens a pool; the workers' own migration then finds nothing to do.
  await migratePostgresDatabase(databaseUrl);
  let stopping = false;
  const started = new Map<Worker, { at: number; maintenance: boolean; listened: boolean }>();
  const fork = (maintenance: boolean) => {
    const worker = cluster.fork(maintenance ? { [MAINTENANCE_WORKER_ENV]: "1" } : {});
    started.set(worker, { at: Date.now(), maintenance, listened: false });
  };
  cluster.on("listening", (worker) => {
    const info = started.get(worker);
    if (info) info.listened = true;
  });
  cluster.on("exit", (worker, code, signal) => {
    const info = started.get(worker);
    started.delete(worker);
    if (stopping) {
      if (started.size === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!info?.listened || Date.now() - (info?.at ?? 0) < RESTART_AFTER_MS) {
      log("error", "a worker failed at start: stopping every worker", { worker: worker.id, code, signal });
      process.exitCode = 1;
      stop();
      return;
    }
    log("warn", "a worker exited: starting another", { worker: worker.id, code, signal });
    fork(info.maintenance);
  });
  const stop = () => {
    stopping = true;
    if (started.size === 0) process.exit(process.exitCode ?? 0);
    for (const worker of started.keys()) worker.process.kill("SIGTERM");
  };
  for (let i = 0; i < workers; i++) fork(i === 0);
  log("info", "portolan primary started", { workers });
  process.once("SIGTERM", () => {
    log("info", "shutting down", { signal: "SIGTERM", workers: started.size });
    stop();
  });
  process.once("SIGINT", () => {
    log("info", "shutting down", { signal: "SIGINT", workers: started.size });
    stop();
  });
}
