/**
 * A statement with its parameters written into its text as SQL literals. postgres.js sends a
 * statement that has parameters and is not a cached prepared statement (drizzle's `execute` never
 * prepares) as Parse + Describe, waits for the parameters' types, and only then sends Bind +
 * Execute: two round trips and two socket writes, and nothing pipelined behind it. Without
 * parameters it is one message and one round trip. Only scalars are inlined (text, numbers,
 * booleans, dates, null); a statement with any other value, or large values (a big push's arrays,
 * which would be copied once more), is left as it was. Literals are quoted as PostgreSQL's
 * quote_literal does, so they read the same whatever standard_conforming_strings says.
 */
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

const dialect = new PgDialect();

/** Above this many characters of parameters the statement keeps them: a large push's statements are few, and inlining would copy their arrays once more. */
const MAX_INLINED_CHARS = 64 * 1024;

/** A value as an SQL literal, or undefined when it is not one this file writes. */
function literal(value: unknown): string | undefined {
  if (value === null || value === undefined) return "NULL";
  // A NUL would end the query text on the wire (PostgreSQL reads it as a C string): keep it a parameter.
  if (typeof value === "string") return value.includes("\0") ? undefined : quoteLiteral(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === "bigint") return value < 0n ? `(${value})` : String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? undefined : quoteLiteral(value.toISOString());
  return undefined;
}

/** quote_literal: quotes doubled; with a backslash, an E'' string with backslashes doubled. */
export function quoteLiteral(text: string): string {
  const quoted = text.replaceAll("'", "''");
  return text.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/**
 * The statement with its `$n` placeholders replaced by literals, or the statement unchanged. The
 * text is scanned so that nothing inside a quoted string or identifier is taken for a placeholder;
 * any other `$` (a dollar-quoted string) leaves the statement as it was.
 */
export function inlineParams(query: SQL): SQL {
  const { sql: text, params } = dialect.sqlToQuery(query);
  if (params.length === 0) return query;
  const literals: string[] = [];
  let chars = 0;
  for (const param of params) {
    // Sized before quoting: quoting a bulk insert's multi-MiB array text only to drop it was garbage
    // enough to stall a large push in the collector.
    if (typeof param === "string" && chars + param.length > MAX_INLINED_CHARS) return query;
    const written = literal(param);
    if (written === undefined) return query;
    chars += written.length;
    if (chars > MAX_INLINED_CHARS) return query;
    literals.push(written);
  }
  const parts: string[] = [];
  const special = /['"$]/g;
  let from = 0;
  for (let found = special.exec(text); found; found = special.exec(text)) {
    const i = found.index;
    const c = found[0];
    if (c === "$") {
      const digits = /^\d+/.exec(text.slice(i + 1, i + 12));
      const written = digits ? literals[Number(digits[0]) - 1] : undefined;
      if (!digits || written === undefined) return query;
      parts.push(text.slice(from, i), written);
      from = i + 1 + digits[0].length;
    } else {
      // A quoted string or identifier, kept as it is: a doubled quote is an escaped one.
      let end = i + 1;
      for (;;) {
        end = text.indexOf(c, end);
        if (end < 0) return query;
        if (text[end + 1] === c) end += 2;
        else break;
      }
      parts.push(text.slice(from, end + 1));
      from = end + 1;
    }
    special.lastIndex = from;
  }
  parts.push(text.slice(from));
  return sql.raw(parts.join(""));
}
