/** A procedure's refusal as a page shows it: its HTTP status and message (the tRPC error's own). */
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { trpcRetryAfter } from "../errors.js";

export class PageError {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly message: string,
    /** Retry-After, for refusals that pass (a limit reached, the database away) */
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Known refusals become a PageError; anything else is rethrown to the app's error handler (500, logged). */
export function pageError(error: unknown): PageError {
  if (error instanceof TRPCError && error.code !== "INTERNAL_SERVER_ERROR") {
    const status = getHTTPStatusCodeFromError(error) as ContentfulStatusCode;
    return new PageError(status, error.message, trpcRetryAfter([error]));
  }
  throw error;
}

/**
 * Runs a read; a refusal of that read (not found, bad input) becomes a value the page shows beside the
 * rest. A refusal of the whole request (a limit reached, the database away) is the page's answer.
 */
export async function attempt<T>(read: () => Promise<T>): Promise<T | PageError> {
  try {
    return await read();
  } catch (error) {
    const refusal = pageError(error);
    if (refusal.status === 429 || refusal.status === 503) throw error;
    return refusal;
  }
}
