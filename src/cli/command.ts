import type { Command } from "commander";
import type { CliContext } from "./context.js";

/** Flags every command takes (declared once, on the program). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json: boolean;
}

/**
 * Wraps a command's handler as a commander action: the handler gets a context for the server and
 * commander's parsed arguments and options, and answers the exit code.
 */
export type Run = <Args extends unknown[]>(
  handler: (ctx: CliContext, ...args: Args) => Promise<number>,
) => (...args: Args) => Promise<void>;

/** "portolan ports who" */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

/** Exit code of a check that ran but failed (headroom below the bar, proposal does not fit, …). */
export const CHECK_FAILED = 3;
