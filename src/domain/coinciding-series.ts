/**
 * Series drawn over one another hide each other: two series with the same values over the window
 * (or over stretches of it) are one line on a chart while the legend lists both. This finds them, so
 * a renderer can draw each distinctly (dashes, markers) and the legend can say which coincide.
 */

export type Coincidence =
  /** the same value at every point (gaps included) as the earlier series `with` */
  | { kind: "same"; with: number }
  /** the same value as the earlier series `with` at two or more consecutive points */
  | { kind: "overlaps"; with: number }
  | null;

const equalAt = (a: readonly (number | null)[], b: readonly (number | null)[], i: number) =>
  a[i] !== null && a[i] !== undefined && a[i] === b[i];

function sameThroughout(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]) && a.some((v) => v !== null);
}

function overlapsSomewhere(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  for (let i = 1; i < Math.min(a.length, b.length); i++)
    if (equalAt(a, b, i - 1) && equalAt(a, b, i)) return true;
  return false;
}

/** For each series, the first earlier one it coincides with: the same throughout before any overlap. */
export function coincidences(series: readonly (readonly (number | null)[])[]): Coincidence[] {
  return series.map((values, k) => {
    const earlier = series.slice(0, k);
    const same = earlier.findIndex((other) => sameThroughout(values, other));
    if (same >= 0) return { kind: "same", with: same };
    const overlap = earlier.findIndex((other) => overlapsSomewhere(values, other));
    return overlap >= 0 ? { kind: "overlaps", with: overlap } : null;
  });
}

/** Legend labels that say which series coincide: "router-internal (same as router-default)". */
export function legendLabels(
  series: readonly { name: string; values: readonly (number | null)[] }[],
): string[] {
  const found = coincidences(series.map((s) => s.values));
  return series.map((s, k) => {
    const c = found[k];
    const other = c ? series[c.with]?.name : undefined;
    if (!c || other === undefined) return s.name;
    return c.kind === "same" ? `${s.name} (same as ${other})` : `${s.name} (in places same as ${other})`;
  });
}

/** Whether a series coincides with another, earlier or later: it needs markers to be seen. */
export function coincidingSet(series: readonly (readonly (number | null)[])[]): boolean[] {
  const found = coincidences(series);
  const marked = found.map((c) => c !== null);
  for (const c of found) if (c) marked[c.with] = true;
  return marked;
}
