/**
 * Structured logs: one JSON object per line (time, level, msg, the process's context — a worker's
 * number —, requestId when there is one, then the fields). The Node server, the migrator and the Worker all write through this, so every line parses
 * the same way. Callers pass names and sizes, never secrets or query parameters.
 */
export type LogLevel = "info" | "warn" | "error";

type LogFields = Record<string, unknown> & { requestId?: string };

/** Where lines go; tests swap it to capture them. */
export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "info") console.log(line);
  else console.error(line);
};

let sink: LogSink = consoleSink;
/** Fields every line of this process carries after msg (a server worker's number). */
let context: Record<string, unknown> = {};

/** Sets the fields every later line of this process carries (PORTOLAN_WORKERS: `{ worker }`). */
export function setLogContext(fields: Record<string, unknown>): void {
  context = { ...fields };
}

export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  const { requestId, ...rest } = fields;
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    msg,
    ...context,
    ...(requestId ? { requestId } : {}),
    ...rest,
  });
  sink(level, line);
}

/** Replaces the sink (tests); returns a function restoring the previous one. */
export function setLogSink(next: LogSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}
