import { describe, expect, it } from "vitest";
import {
  escapeCsvField,
  escapeHtml,
  escapeMarkdownCell,
  escapeMarkdownText,
  escapePrometheusLabelValue,
} from "../../../src/render/escape.js";

const SCRIPT = "<script>alert(1)</script>";

describe("escapeHtml", () => {
  it.each([
    ["plain", "router-default", "router-default"],
    ["ampersand first, so entities stay literal", "&lt;", "&amp;lt;"],
    ["tags", SCRIPT, "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ["both quotes, for attributes", `a"b'c`, "a&quot;b&#39;c"],
    ["pipes, backslashes and line breaks are HTML's own", "a|b\\c\nd", "a|b\\c\nd"],
  ])("%s", (_case, text, expected) => {
    expect(escapeHtml(text)).toBe(expected);
  });
});

describe("escapeMarkdownText", () => {
  it.each([
    ["plain", "env=prod", "env=prod"],
    ["raw HTML becomes text", SCRIPT, "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ["a backslash escapes nothing after it", "a\\*b\\", "a\\\\*b\\\\"],
    ["every line break becomes a space", "a\nb\r\nc\rd", "a b c d"],
    ["pipes stay: outside a table they split nothing", "a|b", "a|b"],
  ])("%s", (_case, text, expected) => {
    expect(escapeMarkdownText(text)).toBe(expected);
  });
});

describe("escapeMarkdownCell", () => {
  it.each([
    ["plain", "team-a/router (Deployment)", "team-a/router (Deployment)"],
    ["a pipe does not end the cell", "a|b", "a\\|b"],
    ["an escaped pipe stays text: backslash doubled, pipe escaped", "a\\|b", "a\\\\\\|b"],
    ["a trailing backslash does not escape the cell's end", "a\\", "a\\\\"],
    ["a line break does not end the row", "a\nb", "a b"],
    ["raw HTML becomes text", `${SCRIPT}|x`, "&lt;script&gt;alert(1)&lt;/script&gt;\\|x"],
    ["quotes", `"'`, "&quot;&#39;"],
  ])("%s", (_case, text, expected) => {
    expect(escapeMarkdownCell(text)).toBe(expected);
  });
});

describe("escapeCsvField", () => {
  it.each([
    ["plain text as is", "a b", "a b"],
    ["numbers and booleans as text", 9100, "9100"],
    ["null as an empty field", null, ""],
    ["a comma quotes the field", "a,b", '"a,b"'],
    ["quotes doubled", 'say "hi"', '"say ""hi"""'],
    ["line breaks, \\n or \\r, quote the field", "a\r\nb", '"a\r\nb"'],
  ] as const)("%s", (_case, value, expected) => {
    expect(escapeCsvField(value)).toBe(expected);
  });
});

describe("escapePrometheusLabelValue", () => {
  it.each([
    ["plain", "prod-eu-1", "prod-eu-1"],
    ["backslash first, so the escapes it adds stay single", 'a\\"b', 'a\\\\\\"b'],
    ["a line feed becomes \\n", "a\nb", "a\\nb"],
    ["HTML is the exposition's own", "<b>", "<b>"],
  ])("%s", (_case, value, expected) => {
    expect(escapePrometheusLabelValue(value)).toBe(expected);
  });
});
