/** Plain aligned text tables for terminals. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** "worker-1, worker-2, … (+4)" so a 500-node list stays on one line. */
/** The first `max` items; `total` counts the whole list when `items` is already a sample of it. */
export function shortList(items: string[], max = 4, total = items.length): string {
  if (total === 0) return "-";
  const shown = items.slice(0, max);
  return total > shown.length ? `${shown.join(", ")}, … (+${total - shown.length})` : shown.join(", ");
}
