/**
 * How long closed history is kept, as instants: the oldest instant whose answer is still whole. A
 * version closed before it was valid only at earlier instants (intervals are half-open), so no read
 * at or after it — an asOf, a trend or report window starting there — touches a pruned row.
 */

export const DAY_MS = 86_400_000;
/** Closed history kept unless PORTOLAN_RETENTION_DAYS says otherwise: reports.trends reads up to 400 days. */
export const DEFAULT_HISTORY_RETENTION_DAYS = 400;
/** An upper bound only so the instant stays representable (100 years). */
export const MAX_HISTORY_RETENTION_DAYS = 36_500;

/** The oldest instant kept: `now` minus the retention. Versions closed before it may be pruned. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** True when an answer at `instant` would need history the retention no longer keeps. */
export function isBeyondRetention(instant: Date, now: Date, retentionDays: number): boolean {
  return instant.getTime() < retentionCutoff(now, retentionDays).getTime();
}
