import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../api/root.js";
import { DEFAULT_RETRY_AFTER_POLICY, honouringRetryAfter } from "./retry-after.js";

export class UsageError extends Error {}

/** Input the command cannot use (an unreadable file, a manifest the server cannot read): exit 2, no usage text. */
export class InputError extends Error {}

/** All of stdin as text (`plan fit -f -`). */
export async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export interface CliContext {
  url: string;
  token: string | undefined;
  json: boolean;
  out: (text: string) => void;
  /** stderr: what accompanies a machine-read stdout (`--output yaml` prints the manifest alone) */
  err: (text: string) => void;
  client: ReturnType<typeof createTRPCClient<AppRouter>>;
  /** fetch that honours the server's 429/503 Retry-After (retry-after.ts); REST calls use it too */
  fetch: typeof fetch;
  readStdin: () => Promise<string>;
}

export function createCliContext({
  fetch: transport,
  ...options
}: {
  fetch: typeof fetch;
  url: string;
  token: string | undefined;
  json: boolean;
  out?: (text: string) => void;
  err?: (text: string) => void;
  readStdin?: () => Promise<string>;
}): CliContext {
  const send = honouringRetryAfter(transport);
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${options.url.replace(/\/$/, "")}/trpc`,
        fetch: send,
        headers: () => (options.token ? { authorization: `Bearer ${options.token}` } : {}),
      }),
    ],
  });
  return {
    ...options,
    out: options.out ?? ((text) => console.log(text)),
    err: options.err ?? ((text) => console.error(text)),
    readStdin: options.readStdin ?? readProcessStdin,
    client,
    fetch: send,
  };
}

const LIMIT_REASONS = new Set(["RATE_LIMITED", "CONCURRENCY_LIMITED", "SERVER_BUSY"]);
const GAVE_UP = ` (still refused after waiting as told up to ${DEFAULT_RETRY_AFTER_POLICY.maxRetries} times, or told to wait over ${DEFAULT_RETRY_AFTER_POLICY.maxDelaySeconds} s; try again later)`;

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * What a CLI user does about a refused token: the server's message speaks HTTP ("send 'Authorization:
 * Bearer …'"), which the CLI sends for them.
 */
function tokenHint(status: number | undefined, tokenGiven: boolean): string {
  if (status === 401 && !tokenGiven)
    return " (give a token with --token or PORTOLAN_TOKEN: the admin token, or a read token from `portolan tokens create <name>`)";
  if (status === 401)
    return " (check --token or PORTOLAN_TOKEN, and --url: a token of another Portolan server is unknown here)";
  if (status === 403) return " (this call needs another kind of token: --token or PORTOLAN_TOKEN)";
  return "";
}

/** The server's message for a failed call, or the connection problem, in one line. */
export function describeCallError(error: unknown, url: string, tokenGiven = true): string {
  const cause = (error instanceof TRPCClientError ? error.cause : error) as { code?: string } | undefined;
  if (UNREACHABLE.has(cause?.code ?? "") || /fetch failed/.test((error as Error).message))
    return `cannot reach the Portolan server at ${url}`;
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<AppRouter>).data as
      | { reason?: string; httpStatus?: number }
      | undefined;
    const gaveUp = data?.reason && LIMIT_REASONS.has(data.reason) ? GAVE_UP : "";
    const hint = tokenHint(data?.httpStatus, tokenGiven);
    // The CLI sends the header itself: its hint replaces the server's HTTP advice.
    const message = hint
      ? error.message.replace(/: send 'Authorization: Bearer <token>'$/, "")
      : error.message;
    return data?.reason ? `${data.reason}: ${message}${gaveUp}${hint}` : `${message}${hint}`;
  }
  return (error as Error).message;
}

/**
 * Every item of a listing the server pages by name (at most 1,000 a page): `fetchPage` asks for one
 * page after `cursor` and names its items.
 */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
