import { describe, expect, it } from "vitest";
import { parseCsv } from "../../../src/contract/csv.js";
import { toCsv } from "../../../src/render/csv.js";

describe("the RFC 4180 CSV reader", () => {
  it.each<[string, string, string[][]]>([
    [
      "plain fields",
      "a,b\nc,d",
      [
        ["a", "b"],
        ["c", "d"],
      ],
    ],
    ["a final line break", "a,b\n", [["a", "b"]]],
    [
      "CRLF line ends",
      "a,b\r\nc,d\r\n",
      [
        ["a", "b"],
        ["c", "d"],
      ],
    ],
    ["empty fields", ",a,,\n", [["", "a", "", ""]]],
    ["a quoted comma", '"a,b",c', [["a,b", "c"]]],
    ["doubled quotes", '"say ""hi""",x', [['say "hi"', "x"]]],
    ["a line break inside quotes", '"one\ntwo",x\ny', [["one\ntwo", "x"], ["y"]]],
    ["an empty quoted field", '"",x', [["", "x"]]],
    ["a byte-order mark", "\uFEFFDirection,Protocol", [["Direction", "Protocol"]]],
    ["nothing", "", []],
  ])("reads %s", (_name, text, records) => {
    expect(parseCsv(text)).toEqual({ ok: true, records });
  });

  it.each([
    ["an unterminated quote", 'a\n"b,c\n', 2, /not closed/],
    ["a quote inside an unquoted field", 'a,b"c\n', 1, /unquoted/],
    ["text after a closing quote", '"a"b,c', 1, /after a closing quote/],
  ])("refuses %s with its line", (_name, text, line, message) => {
    const parsed = parseCsv(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.line).toBe(line);
      expect(parsed.message).toMatch(message);
    }
  });

  it("reads back what the CSV writer writes", () => {
    const rows = [["a,b", 'q"uote', "line\nbreak", ""]];
    expect(parseCsv(toCsv(["h1", "h2", "h3", "h4"], rows))).toEqual({
      ok: true,
      records: [["h1", "h2", "h3", "h4"], ...rows],
    });
  });
});
