/**
 * An RFC 4180 CSV reader for files admins hand in (a commatrix matrix as a baseline). It lives with
 * the contract because it parses input from outside; it is pure, so the domain may call it. Fields
 * may be quoted, with doubled quotes inside and line breaks kept; records end in CRLF or LF; a final
 * line break is optional. A quote inside an unquoted field or an unterminated quoted field is refused
 * with the line it starts on, never guessed at.
 */

export type CsvParseResult = { ok: true; records: string[][] } | { ok: false; line: number; message: string };

export function parseCsv(text: string): CsvParseResult {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let line = 1;
  let i = 0;
  // A UTF-8 byte-order mark (spreadsheets write one) is not part of the first field.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  let fieldStarted = false;
  const endRecord = () => {
    record.push(field);
    records.push(record);
    record = [];
    field = "";
    fieldStarted = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      if (fieldStarted) return { ok: false, line, message: "a quote inside an unquoted field" };
      const start = line;
      i += 1;
      for (;;) {
        if (i >= text.length) return { ok: false, line: start, message: "a quoted field is not closed" };
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        if (q === "\n") line += 1;
        field += q;
        i += 1;
      }
      const next = text[i];
      if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
        return { ok: false, line, message: "text after a closing quote" };
      }
      fieldStarted = true;
      continue;
    }
    if (c === ",") {
      record.push(field);
      field = "";
      fieldStarted = false;
      i += 1;
      continue;
    }
    if (c === "\r" || c === "\n") {
      endRecord();
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line += 1;
      continue;
    }
    field += c;
    fieldStarted = true;
    i += 1;
  }
  if (fieldStarted || record.length > 0) endRecord();
  return { ok: true, records };
}
