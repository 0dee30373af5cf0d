import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../api/root.js";

export class UsageError extends Error {}

export interface CliContext {
  url: string;
  token: string | undefined;
  json: boolean;
  out: (text: string) => void;
  client: ReturnType<typeof createTRPCClient<AppRouter>>;
}

export function createCliContext(options: {
  url: string;
  token: string | undefined;
  json: boolean;
  out?: (text: string) => void;
}): CliContext {
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${options.url.replace(/\/$/, "")}/trpc`,
        headers: () => (options.token ? { authorization: `Bearer ${options.token}` } : {}),
      }),
    ],
  });
  return { ...options, out: options.out ?? ((text) => console.log(text)), client };
}

/** The server's message for a failed call, or the connection problem, in one line. */
export function describeCallError(error: unknown, url: string): string {
  if (error instanceof TRPCClientError) {
    const cause = (error as TRPCClientError<AppRouter>).cause as { code?: string } | undefined;
    if (cause?.code === "ECONNREFUSED" || /fetch failed/.test(error.message))
      return `cannot reach the Portolan server at ${url}`;
    const data = (error as TRPCClientError<AppRouter>).data as { reason?: string } | undefined;
    return data?.reason ? `${data.reason}: ${error.message}` : error.message;
  }
  return (error as Error).message;
}
