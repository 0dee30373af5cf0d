/**
 * The reads' side of history retention: an instant older than what is kept answers 400
 * AS_OF_BEYOND_RETENTION naming the oldest instant kept, never an answer missing its pruned part.
 * The pruning itself is history-prune.ts.
 */
import { DEFAULT_HISTORY_RETENTION_DAYS, isBeyondRetention, retentionCutoff } from "../domain/retention.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";

export function historyRetentionDays(ctx: Pick<ServiceContext, "config">): number {
  return ctx.config.historyRetentionDays ?? DEFAULT_HISTORY_RETENTION_DAYS;
}

/** The oldest instant whose answer is whole, at the server's clock now. */
export function oldestKeptInstant(ctx: Pick<ServiceContext, "config" | "now">): Date {
  return retentionCutoff(ctx.now(), historyRetentionDays(ctx));
}

export function beyondRetention(ctx: Pick<ServiceContext, "config" | "now">, field: string, instant: Date) {
  const oldest = oldestKeptInstant(ctx).toISOString();
  const days = historyRetentionDays(ctx);
  return new ServiceError(
    "BAD_REQUEST",
    "AS_OF_BEYOND_RETENTION",
    `${field} ${instant.toISOString()} is older than the history kept (${days} days): the oldest instant kept is ${oldest}`,
    [{ path: field, message: `the oldest instant kept is ${oldest}` }],
  );
}

/**
 * Refuses an instant (an asOf, a window's start) before the oldest one kept; an absent one (now) passes.
 * `field` names the input as the client sent it (asOf, from, to).
 */
export function requireRetained(
  ctx: Pick<ServiceContext, "config" | "now">,
  field: string,
  instant: Date | undefined,
): void {
  if (instant && isBeyondRetention(instant, ctx.now(), historyRetentionDays(ctx)))
    throw beyondRetention(ctx, field, instant);
}
