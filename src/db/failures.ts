/**
 * What a database failure was, without its values: whether it means "the database is away" (an
 * outage the client should retry later) and a description safe for logs (statement kind and sizes,
 * never the SQL's parameters, which can hold tokens' hashes and whole labels).
 */

/** postgres.js and Node socket error codes that mean the connection, not the query, failed. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "DATABASE_DEADLINE",
  // checked-results.ts: the driver answered a result that cannot be right; its connection is gone
  "DATABASE_RESULT_DAMAGED",
]);

/**
 * SQLSTATEs of an outage: class 08 (connection exception), 57P01-57P03 (admin shutdown, crash
 * shutdown, cannot connect now), 53300 (too many connections), 57014 (statement timeout or cancel),
 * 55P03 (lock timeout), 25P03 (idle in transaction timeout).
 */
function isOutageSqlState(code: string): boolean {
  return (
    code.startsWith("08") || ["57P01", "57P02", "57P03", "53300", "57014", "55P03", "25P03"].includes(code)
  );
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  stack?: unknown;
  query?: unknown;
  /** drizzle's DrizzleQueryError */
  params?: unknown;
  /** postgres.js' own errors */
  parameters?: unknown;
}

/** The error and its causes, outermost first (drizzle wraps the driver's error in DrizzleQueryError). */
function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === "object" && found.length < 5) {
    found.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return found;
}

/** The SQLSTATE (or driver code) of the error or of the driver error it wraps, if it has one. */
export function databaseErrorCode(error: unknown): string | undefined {
  for (const e of chain(error)) if (typeof e.code === "string") return e.code;
  return undefined;
}

/** The outage's code (SQLSTATE or driver code) when `error` means the database is unreachable. */
export function databaseOutageCode(error: unknown): string | undefined {
  for (const link of chain(error)) {
    const code = typeof link.code === "string" ? link.code : undefined;
    if (code && (CONNECTION_CODES.has(code) || isOutageSqlState(code))) return code;
  }
  return undefined;
}

/** The statement's verb and first table, e.g. `insert "port_allocations"`: no literal, no value. */
function statementKind(query: string): string {
  const verb = /^\s*(\w+)/.exec(query)?.[1]?.toLowerCase() ?? "?";
  const table = /\b(?:from|into|update|table)\s+("[\w.]+"|[\w.]+)/i.exec(query)?.[1];
  return table ? `${verb} ${table}` : verb;
}

/**
 * Log fields for an error: its name and codes, and for a failed query the statement kind and the
 * parameters' count and size. The message is kept only when no query is involved (drizzle's message
 * embeds the SQL and every parameter).
 */
export function describeFailure(error: unknown): Record<string, unknown> {
  const links = chain(error);
  const failedQuery = links.find((l) => typeof l.query === "string");
  const codes = links.map((l) => l.code).filter((c): c is string => typeof c === "string");
  const first = links[0];
  const fields: Record<string, unknown> = {
    error: typeof first?.name === "string" ? first.name : typeof error,
    ...(codes.length > 0 ? { codes } : {}),
  };
  if (failedQuery) {
    const given = failedQuery.params ?? failedQuery.parameters;
    const params: unknown[] = Array.isArray(given) ? given : [];
    fields.statement = statementKind(failedQuery.query as string);
    fields.statementBytes = (failedQuery.query as string).length;
    fields.paramCount = params.length;
    fields.paramBytes = params.reduce<number>((sum, p) => sum + String(p ?? "").length, 0);
  } else if (typeof first?.message === "string") {
    fields.message = first.message.slice(0, 300);
    // Frames only (the first line repeats the message); a ServiceError's frames say nothing new.
    if (typeof first.stack === "string" && first.name !== "ServiceError")
      fields.stack = first.stack.split("\n").slice(1, 9).join("\n");
  }
  return fields;
}
