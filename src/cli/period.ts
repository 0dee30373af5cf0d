/**
 * The period a trend or a trend report covers: `--since 30d` (or an instant), or `--from T [--to T]`;
 * neither means the last 7 days. Each flag is read by flags.ts before this runs; this only checks
 * how they combine, so a contradiction is a usage error (exit 2) before any request.
 */
import { stepFor } from "../domain/time-series.js";
import { UsageError } from "./context.js";
import { parseAsOf } from "./time.js";

export interface PeriodOptions {
  /** an RFC 3339 instant, as the --since reader made it */
  since?: string;
  from?: string;
  to?: string;
}

const DEFAULT_SINCE = "7d";

export function resolvePeriod(options: PeriodOptions, now: Date = new Date()): { from: string; to: string } {
  if (options.since !== undefined && (options.from !== undefined || options.to !== undefined))
    throw new UsageError("give --since, or --from (and --to), not both");
  if (options.to !== undefined && options.from === undefined) throw new UsageError("--to needs --from");
  const to = options.to ?? now.toISOString();
  const from = options.from ?? options.since ?? (parseAsOf(DEFAULT_SINCE, now) as string);
  if (Date.parse(from) >= Date.parse(to))
    throw new UsageError(`the period's start (${from}) is not before its end (${to})`);
  return { from, to };
}

/** Points a terminal chart asks for when no --step is given. */
const CLI_MAX_POINTS = 240;

/** A step the API takes ("900s") that keeps the period within CLI_MAX_POINTS points. */
export function defaultStep(period: { from: string; to: string }): string {
  return `${stepFor(new Date(period.from), new Date(period.to), CLI_MAX_POINTS)}s`;
}
