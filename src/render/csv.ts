import { escapeCsvField } from "./escape.js";

/** A CSV table (RFC 4180): the header line, then one line per row; no line break after the last. */
export function toCsv(
  headers: readonly string[],
  rows: readonly (readonly (string | number | boolean | null)[])[],
) {
  return [headers, ...rows].map((row) => row.map(escapeCsvField).join(",")).join("\n");
}
