/**
 * Time series over validity intervals in one pass over their boundaries: the value at step point
 * t_k = from + k·step is (intervals open at `from`) + (starts in (from, t_k]) − (ends in (from, t_k]).
 * The storage layer buckets boundaries by k = ceil((ts − from) / step); this turns buckets into points.
 */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** The longest step: a year's points at one per day. */
const MAX_STEP_SECONDS = 366 * 86_400;

/** "30s", "15m", "1h", "1d", "1w" → seconds; null when it is not a duration or over MAX_STEP_SECONDS. */
export function parseStep(text: string): number | null {
  const match = /^(\d{1,8})([smhdw])$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return null;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2]] ?? 0);
  return seconds > 0 && seconds <= MAX_STEP_SECONDS ? seconds : null;
}

/** Usual chart steps, shortest first: a chosen step is one of these, so points fall on round instants. */
const STEP_LADDER = [300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 2 * 86_400, 7 * 86_400];

/** The smallest usual step that keeps [from, to] within `maxPoints` points. */
export function stepFor(from: Date, to: Date, maxPoints: number): number {
  const seconds = Math.max(0, (to.getTime() - from.getTime()) / 1000);
  const needed = seconds / Math.max(1, maxPoints - 1);
  return STEP_LADDER.find((s) => s >= needed) ?? Math.ceil(needed / 86_400) * 86_400;
}

export function stepCount(from: Date, to: Date, stepSeconds: number): number {
  return Math.floor((to.getTime() - from.getTime()) / 1000 / stepSeconds) + 1;
}

export interface BoundaryBucket {
  /** step index: boundaries in (t_{k-1}, t_k] */
  k: number;
  /** starts minus ends in that bucket */
  delta: number;
}

export function pointsFromBoundaries(
  from: Date,
  stepSeconds: number,
  steps: number,
  openAtFrom: number,
  buckets: readonly BoundaryBucket[],
): { t: string; value: number }[] {
  const deltas = new Map<number, number>();
  for (const b of buckets) deltas.set(b.k, (deltas.get(b.k) ?? 0) + b.delta);
  const points: { t: string; value: number }[] = [];
  let value = openAtFrom;
  for (let k = 0; k < steps; k++) {
    value += deltas.get(k) ?? 0;
    points.push({ t: new Date(from.getTime() + k * stepSeconds * 1000).toISOString(), value });
  }
  return points;
}

/** The version valid at each step point, for series of values rather than counts (headroom). */
export function sampleVersions<T extends { validFrom: Date; validTo: Date | null }>(
  versions: readonly T[],
  from: Date,
  stepSeconds: number,
  steps: number,
): { t: string; version: T | null }[] {
  const sorted = [...versions].sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime());
  const points: { t: string; version: T | null }[] = [];
  let i = 0;
  for (let k = 0; k < steps; k++) {
    const t = from.getTime() + k * stepSeconds * 1000;
    while (i < sorted.length && (sorted[i]?.validTo?.getTime() ?? Number.POSITIVE_INFINITY) <= t) i++;
    const candidate = sorted[i];
    const valid = candidate && candidate.validFrom.getTime() <= t ? candidate : null;
    points.push({ t: new Date(t).toISOString(), version: valid });
  }
  return points;
}

/**
 * A count series before its scope was first observed is unknown, not zero: the points before
 * `firstObserved` become null (a gap), so a chart starts at the first observation instead of ramping
 * up from 0. Null `firstObserved` (nothing in scope ever observed) leaves the zeros: nothing counted.
 */
export function unknownBefore(
  points: readonly { t: string; value: number }[],
  firstObserved: Date | null,
): { t: string; value: number | null }[] {
  const start = firstObserved?.getTime() ?? Number.NEGATIVE_INFINITY;
  return points.map((p) => ({ t: p.t, value: Date.parse(p.t) < start ? null : p.value }));
}

/** The index of the first instant any series knows a value at (0 when none does): where an x-range starts. */
export function firstKnownIndex(series: readonly (readonly (number | null)[])[]): number {
  const length = Math.max(0, ...series.map((s) => s.length));
  for (let i = 0; i < length; i++) if (series.some((s) => s[i] !== null && s[i] !== undefined)) return i;
  return 0;
}
