/**
 * The Node server's last line: an uncaught exception means unknown state, so the process logs it
 * and exits (as Node would without a handler), except for the one known driver crash
 * (isClosedConnectionWrite). Its request has already been answered 503; what it leaves behind is
 * a connection with a stale write buffer that would stall its next handshake, and since that
 * connection cannot be singled out, every guarded pool is replaced.
 */
import { describeFailure } from "../db/failures.js";
import { isClosedConnectionWrite, type PostgresHandle } from "../db/postgres.js";
import { log } from "../logging/logger.js";

const guardedPools = new Set<Pick<PostgresHandle, "recycle">>();
let installed = false;

/** Replaces this pool after the driver's crash; returns the function that stops doing so. */
export function recycleOnDriverCrash(pool: Pick<PostgresHandle, "recycle">): () => void {
  guardedPools.add(pool);
  return () => guardedPools.delete(pool);
}

export function installCrashGuard(): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (error, origin) => {
    if (isClosedConnectionWrite(error)) {
      for (const pool of guardedPools) pool.recycle();
      log("warn", "database driver wrote to a closed connection; its pool was replaced", {
        ...describeFailure(error),
      });
      return;
    }
    log("error", "uncaught exception: exiting", { origin, ...describeFailure(error) });
    process.exit(1);
  });
}
