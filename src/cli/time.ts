/**
 * Times the CLI accepts, turned into the RFC 3339 instants the API takes, so a malformed time is a
 * usage error (exit 2) found before any request. A bare date means that day at 00:00 UTC: the
 * fleet spans time zones, and UTC is what the server stores and prints.
 */

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RELATIVE = /^(\d+)([dhm])$/;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** "2026-02-30" parses in JavaScript (as March 2nd): only a date that reads back the same is real. */
function realDate(day: string): boolean {
  const at = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === day;
}

/** RFC 3339 or a date (00:00 UTC); undefined when the text is neither. */
export function parseInstant(text: string): string | undefined {
  if (DATE.test(text)) return realDate(text) ? `${text}T00:00:00.000Z` : undefined;
  const match = RFC3339.exec(text);
  if (!match?.[1] || !realDate(match[1])) return undefined;
  const at = new Date(text.replace(" ", "T"));
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** For --as-of: an instant as above, or `7d` / `36h` / `90m` meaning that long before `now`. */
export function parseAsOf(text: string, now: Date = new Date()): string | undefined {
  const relative = RELATIVE.exec(text);
  if (relative?.[1] && relative[2]) {
    const unit = relative[2] as keyof typeof UNIT_MS;
    return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[unit]).toISOString();
  }
  return parseInstant(text);
}

/** A silence in words, to its two largest units: "2d 3h", "5h 0m", "42s". */
export function durationText(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${seconds}s`;
}

/** One line per stale target of a plan or gate: how old its data is, and whether the verdict counted it. */
export function staleLines(
  stale: readonly {
    cluster: string;
    lastSeenAt: string | null;
    silentForSeconds: number;
    noPushYet: boolean;
    inVerdict: boolean;
  }[],
): string[] {
  return stale.map((s) =>
    s.noPushYet
      ? `no data: ${s.cluster} is registered but has not pushed yet (for ${durationText(s.silentForSeconds)}): left out of the verdict`
      : `stale: ${s.cluster} has been silent for ${durationText(s.silentForSeconds)} (last push ${s.lastSeenAt ?? "never"}): ${
          s.inVerdict
            ? "judged anyway (--include-stale)"
            : "left out of the verdict (--include-stale to judge it)"
        }`,
  );
}
