/** A procedure's refusal as a page shows it: its HTTP status and message (the tRPC error's own). */
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class PageError {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly message: string,
  ) {}
}

/** Known refusals become a PageError; anything else is rethrown to the app's error handler (500, logged). */
export function pageError(error: unknown): PageError {
  if (error instanceof TRPCError && error.code !== "INTERNAL_SERVER_ERROR") {
    return new PageError(getHTTPStatusCodeFromError(error) as ContentfulStatusCode, error.message);
  }
  throw error;
}

/** Runs a read; a refusal (not found, bad input) becomes a value the page shows beside the rest. */
export async function attempt<T>(read: () => Promise<T>): Promise<T | PageError> {
  try {
    return await read();
  } catch (error) {
    return pageError(error);
  }
}
