/**
 * Pages spend the reader's query budget (api/limits) like /trpc calls do: a page runs several
 * procedures in-process (the fleet page a few per cluster), so it costs PAGE_COST calls at once,
 * from the same bucket as the token's /trpc calls.
 */
import type { MiddlewareHandler } from "hono";
import { ServiceError } from "../../services/errors.js";
import { hashToken } from "../../services/tokens.js";
import type { AppEnv } from "../env.js";
import { httpError } from "../errors.js";
import { principalKey } from "../limits/middleware.js";
import type { RequestLimits } from "../limits/request-limits.js";
import { tokenCookie } from "./session.js";

export const PAGE_COST = 10;

/** Paths of the views (not their files or the token form), for app.ts to limit. */
export const DASHBOARD_PAGES = ["/", "/clusters/*", "/ports", "/trends", "/plan"] as const;

export function limitPages(limits: RequestLimits): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // The cookie's token keys the budget as principalKey keys a bearer token: pages and API calls share it.
    const cookieToken = c.req.header("authorization") ? undefined : tokenCookie(c);
    const key = cookieToken ? `token:${await hashToken(cookieToken)}` : await principalKey(c);
    const admission = limits.reads.take(key, PAGE_COST);
    if (!admission.ok) {
      const { status, body, headers } = httpError(
        new ServiceError(
          "TOO_MANY_REQUESTS",
          "RATE_LIMITED",
          `query rate limit reached; retry after ${admission.retryAfterSeconds} s`,
          undefined,
          { retryAfterSeconds: admission.retryAfterSeconds },
        ),
        c.var.requestId,
      );
      return c.json(body, status, headers);
    }
    await next();
  };
}
