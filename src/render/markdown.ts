import { escapeMarkdownCell } from "./escape.js";

/**
 * One Markdown table row, every cell escaped: a renderer hands over plain text and cannot forget a
 * cell (names in them come from clusters' own objects).
 */
export function markdownRow(cells: readonly (string | number)[]): string {
  return `| ${cells.map((c) => escapeMarkdownCell(String(c))).join(" | ")} |`;
}
