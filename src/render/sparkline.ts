/**
 * A time series read at a glance in a terminal or a log: one row of Unicode blocks between its first
 * and last values (so a drop reads "2 ███▁▁ 1"), its low, high and last value, and the largest step-to-step changes with their instants. Pure text, no colours or
 * cursor movement, so the same output reads in a terminal, a CI log and a Markdown report.
 */
import { type SeriesPoint, summarizeSeries } from "../domain/series-summary.js";

const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;
/** A point with no value: a gap in the row, not a low. */
const GAP = " ";
export const MAX_SPARKLINE_WIDTH = 200;

/**
 * The series as at most `width` blocks. Longer series are cut into `width` consecutive buckets and
 * each shows its highest value, so a short spike still shows; a bucket of gaps shows a gap.
 */
export function sparkline(values: readonly (number | null)[], width = 60): string {
  const columns = Math.max(1, Math.min(width, MAX_SPARKLINE_WIDTH));
  const buckets = bucketMaxima(values, columns);
  const known = buckets.filter((v): v is number => v !== null);
  if (known.length === 0) return GAP.repeat(buckets.length);
  const low = Math.min(...known);
  const high = Math.max(...known);
  return buckets
    .map((v) => {
      if (v === null) return GAP;
      // A flat series sits on the floor when it is zero, mid-height otherwise.
      if (high === low) return high === 0 ? BLOCKS[0] : BLOCKS[3];
      const level = Math.round(((v - low) / (high - low)) * (BLOCKS.length - 1));
      return BLOCKS[level];
    })
    .join("");
}

function bucketMaxima(values: readonly (number | null)[], columns: number): (number | null)[] {
  if (values.length <= columns) return [...values];
  const out: (number | null)[] = [];
  for (let c = 0; c < columns; c++) {
    const start = Math.floor((c * values.length) / columns);
    const end = Math.floor(((c + 1) * values.length) / columns);
    let max: number | null = null;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v !== null && v !== undefined && (max === null || v > max)) max = v;
    }
    out.push(max);
  }
  return out;
}

/**
 * The sparkline between the first and the last known values, the way a line is read left to right:
 * "2 ███▁▁ 1" is a drop from 2 to 1. The low and high are the summary's words (or a report's columns).
 */
export function labelledSparkline(values: readonly (number | null)[], width = 60): string {
  const known = values.filter((v): v is number => v !== null);
  const first = known[0];
  const last = known.at(-1);
  if (first === undefined || last === undefined) return sparkline(values, width);
  return `${first} ${sparkline(values, width)} ${last}`;
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/**
 * A titled chart for a terminal: the title, the sparkline between its first and last values, the summary and
 * the biggest changes, one per line.
 */
export function renderSeriesText(
  title: string,
  points: readonly SeriesPoint[],
  options: { width?: number; top?: number } = {},
): string {
  const summary = summarizeSeries(points, options.top ?? 5);
  const first = points[0]?.t ?? "";
  const end = points.at(-1)?.t ?? "";
  const lines = [`${title}  ${first} → ${end} (${points.length} points)`];
  if (!summary.min || !summary.max || !summary.last) {
    lines.push("no values in this range");
    return lines.join("\n");
  }
  lines.push(
    labelledSparkline(
      points.map((p) => p.value),
      options.width,
    ),
  );
  lines.push(
    `min ${summary.min.value} at ${summary.min.t} · max ${summary.max.value} at ${summary.max.t} · last ${summary.last.value} at ${summary.last.t}`,
  );
  if (summary.changes.length === 0) lines.push("no changes");
  else {
    lines.push("biggest changes:");
    for (const c of summary.changes)
      lines.push(`  ${signed(c.delta).padStart(6)}  ${c.t}  ${c.from} → ${c.to}`);
  }
  return lines.join("\n");
}
