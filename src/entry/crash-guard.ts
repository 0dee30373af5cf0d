/**
 * The Node server's last line: an uncaught exception means unknown state, so the process logs it
 * and exits (as Node would without a handler) — except for the one known driver crash that leaves
 * nothing behind but a poisoned connection, which is replaced (src/db/postgres.ts).
 */
import { describeFailure } from "../db/failures.js";
import { recoverFromClosedConnectionWrite } from "../db/postgres.js";
import { log } from "../logging/logger.js";

let installed = false;

export function installCrashGuard(): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (error, origin) => {
    if (recoverFromClosedConnectionWrite(error)) {
      log("warn", "database driver wrote to a closed connection; its pool was replaced", {
        ...describeFailure(error),
      });
      return;
    }
    log("error", "uncaught exception: exiting", { origin, ...describeFailure(error) });
    process.exit(1);
  });
}
