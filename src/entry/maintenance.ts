/**
 * The Node server's own maintenance timer: what the Worker's cron trigger does (prune the snapshot
 * log, log clusters that became stale), every interval, without a separate scheduler.
 */

import { describeFailure } from "../db/failures.js";
import { log } from "../logging/logger.js";
import type { ServiceContext } from "../services/context.js";
import { type MaintenanceOptions, runMaintenance } from "../services/maintenance.js";

export function scheduleMaintenance(ctx: ServiceContext, options: MaintenanceOptions): { stop(): void } {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const report = await runMaintenance(ctx, options);
      if (report.prunedSnapshots > 0)
        log("info", "snapshot log pruned", { pruned: report.prunedSnapshots, before: report.pruneCutoff });
      for (const name of report.newlyStale) log("warn", "cluster became stale", { cluster: name });
    } catch (error) {
      // Sizes and codes only: a failed query's message carries its parameters.
      log("error", "maintenance failed", describeFailure(error));
    } finally {
      running = false;
    }
  };
  const timer = setInterval(run, options.intervalSeconds * 1000);
  // Never keeps the process alive on its own: shutdown waits for the server, not the timer.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
