/**
 * Everything a view shows is in its URL (shareable links): `asOf` on every view, plus each view's own
 * parameters. These helpers read them and build links that keep `asOf`.
 */

/** An instant from the time control: ISO with an offset, or a datetime-local value read as UTC. */
export function parseAsOf(text: string | undefined): Date | undefined | "invalid" {
  if (!text) return undefined;
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(text);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  if (!local && !zoned) return "invalid";
  const date = new Date(local ? `${text}Z` : text);
  return Number.isNaN(date.getTime()) ? "invalid" : date;
}

/** The value a datetime-local input shows for an instant, in UTC to the minute. */
export function toLocalInput(date: Date): string {
  return date.toISOString().slice(0, 16);
}

export type Params = Record<string, string | number | undefined>;

/** `path?params`, dropping empty values, in a stable order (the caller's). */
export function link(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** A positive integer parameter (page numbers, ports), or the fallback when absent or malformed. */
export function intParam(text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!text || !/^\d{1,9}$/.test(text)) return fallback;
  const value = Number(text);
  return value >= 1 && value <= max ? value : fallback;
}
