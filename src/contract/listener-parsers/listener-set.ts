/**
 * One node's listener set as the parsers build it: bounded, with identical listeners merged, and the
 * lines a parser could not read counted rather than thrown, within the contract's bounds.
 */
import { MAX_ISSUES, MAX_LISTENERS_PER_NODE, MAX_PROCESSES_PER_LISTENER } from "../bound-values.js";
import { type ListenerProcess, listenerKey, type ObservedListener } from "../listeners.js";

/** A line a parser skipped, with its 1-based number in the text it was given. */
export interface ListenerParseIssue {
  line: number;
  message: string;
}

export type ListenerParseErrorCode = "TOO_MANY_LISTENERS" | "TOO_MANY_NODES";

export interface ListenerParseRefusal {
  ok: false;
  code: ListenerParseErrorCode;
  /** the line at which the bound was crossed */
  line: number;
  message: string;
}

/**
 * Malformed lines never fail a parse: they are skipped, every one counted in `skipped`, the first
 * MAX_ISSUES described in `issues`. Only a bound refuses the whole input.
 */
export type ListenerParse<T> =
  | { ok: true; value: T; skipped: number; issues: ListenerParseIssue[] }
  | ListenerParseRefusal;

/** Collects skipped lines for one parse. */
export class IssueLog {
  skipped = 0;
  readonly issues: ListenerParseIssue[] = [];

  skip(line: number, message: string): void {
    this.skipped++;
    if (this.issues.length < MAX_ISSUES) this.issues.push({ line, message });
  }

  /** Another parse's skipped lines, their messages prefixed with where they came from. */
  absorb(other: { skipped: number; issues: readonly ListenerParseIssue[] }, prefix: string): void {
    for (const issue of other.issues) this.skip(issue.line, `${prefix}${issue.message}`);
    this.skipped += other.skipped - other.issues.length;
  }
}

/**
 * Listeners keyed by what makes a bind distinct: protocol, address, port, family and interface. Two
 * sockets on one key (SO_REUSEPORT, the same socket shared by a forked daemon, a file read twice) are
 * one listener holding the union of their processes; a dual-stack flag seen on either wins, since it
 * is the wider reach.
 */
export class ListenerSet {
  private readonly byKey = new Map<string, ObservedListener>();

  get size(): number {
    return this.byKey.size;
  }

  /** false when the listener is new and the set is full (the caller refuses the input) */
  add(listener: ObservedListener): boolean {
    const key = listenerKey(listener);
    const held = this.byKey.get(key);
    if (!held) {
      if (this.byKey.size >= MAX_LISTENERS_PER_NODE) return false;
      this.byKey.set(key, { ...listener, processes: mergeProcesses([], listener.processes) });
      return true;
    }
    held.processes = mergeProcesses(held.processes, listener.processes);
    if (listener.dualStack !== undefined) held.dualStack = held.dualStack === true || listener.dualStack;
    return true;
  }

  values(): ObservedListener[] {
    return [...this.byKey.values()];
  }
}

function mergeProcesses(held: ListenerProcess[], more: readonly ListenerProcess[]): ListenerProcess[] {
  const merged = [...held];
  for (const owner of more) {
    if (merged.length >= MAX_PROCESSES_PER_LISTENER) break;
    if (!merged.some((p) => p.name === owner.name && p.pid === owner.pid)) merged.push({ ...owner });
  }
  return merged;
}

export const tooManyListeners = (line: number, where: string): ListenerParseRefusal => ({
  ok: false,
  code: "TOO_MANY_LISTENERS",
  line,
  message: `${where} holds more than ${MAX_LISTENERS_PER_NODE} distinct listeners (line ${line})`,
});
