/**
 * What a time series did over a period: its low and high with their first instants, its last known
 * value, and its largest step-to-step changes. Renderers (a terminal chart, a report) present it.
 */

export interface SeriesPoint {
  t: string;
  /** null: nothing to measure then (a workload that did not exist) */
  value: number | null;
}

export interface SeriesChange {
  /** the instant the new value was first seen */
  t: string;
  from: number;
  to: number;
  delta: number;
}

export interface SeriesSummary {
  min: { t: string; value: number } | null;
  max: { t: string; value: number } | null;
  last: { t: string; value: number } | null;
  /** largest |delta| first, then earliest; only steps between two known values */
  changes: SeriesChange[];
}

/** Low and high (their first instants), the last known value, and the `top` largest changes. */
export function summarizeSeries(points: readonly SeriesPoint[], top = 5): SeriesSummary {
  let min: SeriesSummary["min"] = null;
  let max: SeriesSummary["max"] = null;
  let last: SeriesSummary["last"] = null;
  const changes: SeriesChange[] = [];
  let previous: number | null = null;
  for (const { t, value } of points) {
    if (value !== null) {
      if (!min || value < min.value) min = { t, value };
      if (!max || value > max.value) max = { t, value };
      last = { t, value };
      if (previous !== null && value !== previous)
        changes.push({ t, from: previous, to: value, delta: value - previous });
    }
    previous = value;
  }
  changes.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.t.localeCompare(b.t));
  return { min, max, last, changes: changes.slice(0, Math.max(0, top)) };
}
