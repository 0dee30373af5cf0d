/**
 * Every escape a rendered document needs, in one place: names and messages come from clusters' own
 * objects (owner names, IngressController fields, scheduler messages), so no renderer writes one of
 * them into markup, a Markdown table or a CSV line without going through here.
 */

/** Text safe in HTML, SVG or XML content and in double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * Text for a Markdown line (a heading, a paragraph): Markdown renderers pass raw HTML through, so
 * `&`, `<`, `>` and quotes become entities; a backslash is doubled so it escapes nothing that follows;
 * a line break becomes a space so the text stays on its line.
 */
export function escapeMarkdownText(text: string): string {
  return escapeHtml(text)
    .replaceAll("\\", "\\\\")
    .replace(/\r\n?|\n/g, " ");
}

/** Text for a Markdown table cell: as a line, and `|` escaped so it does not end the cell. */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownText(text).replaceAll("|", "\\|");
}

/** An RFC 4180 CSV field: one with a comma, quote or line break is quoted, its quotes doubled. */
export function escapeCsvField(value: string | number | boolean | null): string {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A Prometheus label value (text exposition format): backslash, double quote and line feed escaped. */
export function escapePrometheusLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
