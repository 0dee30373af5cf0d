/**
 * The Node server's own maintenance timer: what the Worker's cron trigger does (prune the snapshot
 * log and closed history past their retention, log clusters that became stale), every interval,
 * without a separate scheduler. The last history prune's figures are gauges on /metrics.
 */

import type { RuntimeGauge } from "../api/env.js";
import { describeFailure } from "../db/failures.js";
import { log } from "../logging/logger.js";
import type { ServiceContext } from "../services/context.js";
import { type MaintenanceOptions, runMaintenance } from "../services/maintenance.js";

export interface ScheduledMaintenance {
  /** the history prune's figures: rows pruned in all and the last run's rows and duration */
  gauges(): RuntimeGauge[];
  stop(): void;
}

export function scheduleMaintenance(ctx: ServiceContext, options: MaintenanceOptions): ScheduledMaintenance {
  let running = false;
  const pruned = { total: 0, lastRows: 0, lastSeconds: 0 };
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const report = await runMaintenance(ctx, options);
      if (report.prunedSnapshots > 0)
        log("info", "snapshot log pruned", { pruned: report.prunedSnapshots, before: report.pruneCutoff });
      if (report.history) {
        pruned.total += report.history.total;
        pruned.lastRows = report.history.total;
        pruned.lastSeconds = report.history.durationMs / 1000;
        if (report.history.total > 0 || report.history.incomplete)
          log("info", "history pruned", { ...report.history });
      }
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
  return {
    gauges: () => [
      {
        name: "portolan_history_pruned_rows",
        help: "closed history versions pruned past PORTOLAN_RETENTION_DAYS since the server started",
        value: pruned.total,
      },
      {
        name: "portolan_history_prune_last_rows",
        help: "closed history versions the last maintenance run pruned",
        value: pruned.lastRows,
      },
      {
        name: "portolan_history_prune_last_duration_seconds",
        help: "how long the last maintenance run's history prune took (pauses between batches included)",
        value: pruned.lastSeconds,
      },
    ],
    stop: () => clearInterval(timer),
  };
}
